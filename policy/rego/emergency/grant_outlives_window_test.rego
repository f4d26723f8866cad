package accessrecon.rules.emergency.grant_outlives_window_test

import data.accessrecon.rules.emergency.grant_outlives_window
import data.accessrecon.testdata

subject := {
	"person": testdata.person("E3", "HD-ADMIN", "HD"),
	"transfers": [],
	"accounts": [testdata.account("takuso", "u3", "E3", [testdata.grant("viewer", "emergency")])],
}

test_grant_after_its_window_ended_is_revoked if {
	grant_outlives_window.findings == {{
		"rule": "emergency.grant_outlives_window", "severity": "high", "op": "revoke",
		"person": "E3", "system": "takuso", "account": "u3", "entitlement": "viewer", "event": "",
		"message": "emergency window EM-1 (typhoon) ended at 2026-09-05T23:59:59+09:00",
		"message_key": "ended", "message_params": ["EM-1", "typhoon", "2026-09-05T23:59:59+09:00"],
	}} with input as subject with data.model as testdata.model
}

test_grant_with_no_window_is_revoked if {
	model := object.union(testdata.model, {"emergencies": []})
	grant_outlives_window.findings == {{
		"rule": "emergency.grant_outlives_window", "severity": "high", "op": "revoke",
		"person": "E3", "system": "takuso", "account": "u3", "entitlement": "viewer", "event": "",
		"message": "no emergency window covers takuso for company HD",
		"message_key": "none", "message_params": ["takuso", "HD"],
	}} with input as subject with data.model as model
}

test_grant_inside_an_active_window_stays if {
	model := object.union(testdata.model, {"emergencies": [testdata.current_window]})
	count(grant_outlives_window.findings) == 0 with input as subject with data.model as model
}

test_non_emergency_grants_are_not_its_business if {
	subj := object.union(subject, {"accounts": [testdata.account("takuso", "u3", "E3", [testdata.grant("viewer", "request")])]})
	count(grant_outlives_window.findings) == 0 with input as subj with data.model as testdata.model
}
