package accessrecon.rules.separation.confidential_system_access_test

import data.accessrecon.rules.separation.confidential_system_access
import data.accessrecon.testdata

hd_viewer := {
	"person": testdata.person("E2", "HD-RETAIL", "HD"),
	"transfers": [],
	"accounts": [testdata.account("takuso", "u2", "E2", [testdata.grant("viewer", "request")])],
}

test_other_company_holding_a_confidential_right_is_revoked if {
	confidential_system_access.findings == {{
		"rule": "separation.confidential_system_access", "severity": "critical", "op": "revoke",
		"person": "E2", "system": "takuso", "account": "u2", "entitlement": "viewer", "event": "",
		"message": "E2 belongs to company HD, but takuso is confidential to NW and no emergency window is active",
		"message_key": "other_company", "message_params": ["E2", "HD", "takuso", "NW"],
	}} with input as hd_viewer with data.model as testdata.model
}

test_an_active_emergency_window_allows_it if {
	model := object.union(testdata.model, {"emergencies": [testdata.current_window]})
	count(confidential_system_access.findings) == 0 with input as hd_viewer with data.model as model
}

test_own_company_may_hold_it if {
	subj := object.union(hd_viewer, {"person": testdata.person("E2", "NW-OPS", "NW")})
	count(confidential_system_access.findings) == 0 with input as subj with data.model as testdata.model
}

test_disabled_accounts_are_ignored if {
	subj := object.union(hd_viewer, {"accounts": [object.union(hd_viewer.accounts[0], {"status": "disabled"})]})
	count(confidential_system_access.findings) == 0 with input as subj with data.model as testdata.model
}
