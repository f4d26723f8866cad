package accessrecon.rules.lifecycle.unjustified_grant_test

import data.accessrecon.rules.lifecycle.unjustified_grant
import data.accessrecon.testdata

moved(origin) := {
	"person": testdata.person("E5", "HD-ADMIN", "HD"),
	"transfers": [],
	"accounts": [testdata.account("takuso", "u5", "E5", [testdata.grant("viewer", origin)])],
}

test_role_grant_outside_allowed_units_is_revoked if {
	unjustified_grant.findings == {{
		"rule": "lifecycle.unjustified_grant", "severity": "high", "op": "revoke",
		"person": "E5", "system": "takuso", "account": "u5", "entitlement": "viewer", "event": "",
		"message": "E5 is in 総務 (HD-ADMIN), which the role model of takuso/viewer does not include",
		"message_key": "outside", "message_params": ["E5", "総務 (HD-ADMIN)", "takuso", "viewer"],
	}} with input as moved("role") with data.model as testdata.model
}

test_individually_requested_grants_are_not_role_checked if {
	count(unjustified_grant.findings) == 0 with input as moved("request") with data.model as testdata.model
}

test_role_grant_inside_allowed_units_stays if {
	subj := object.union(moved("role"), {"person": testdata.person("E5", "NW-OPS", "NW")})
	count(unjustified_grant.findings) == 0 with input as subj with data.model as testdata.model
}
