package accessrecon.rules.lifecycle.expired_grant_test

import data.accessrecon.rules.lifecycle.expired_grant
import data.accessrecon.testdata

with_expiry(d) := {
	"person": testdata.person("E6", "NW-OPS", "NW"),
	"transfers": [],
	"accounts": [testdata.account("portal", "u6", "E6", [object.union(testdata.grant("user", "request"), {"expires_at": d})])],
}

test_grant_expired_before_as_of_is_revoked if {
	expired_grant.findings == {{
		"rule": "lifecycle.expired_grant", "severity": "medium", "op": "revoke",
		"person": "E6", "system": "portal", "account": "u6", "entitlement": "user", "event": "",
		"message": "portal/user expired on 2026-11-21",
		"message_key": "expired", "message_params": ["portal", "user", "2026-11-21"],
	}} with input as with_expiry("2026-11-21") with data.model as testdata.model
}

test_grant_expiring_today_is_still_valid if {
	count(expired_grant.findings) == 0 with input as with_expiry("2026-11-22") with data.model as testdata.model
}

test_grant_without_expiry_is_valid if {
	count(expired_grant.findings) == 0 with input as with_expiry("") with data.model as testdata.model
}
