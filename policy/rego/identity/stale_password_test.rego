package accessrecon.rules.identity.stale_password_test

import data.accessrecon.rules.identity.stale_password
import data.accessrecon.testdata

acct(set) := object.union(testdata.account("portal", "u1", "E1", []), {"password_set_at": set})

model(rule) := object.union(testdata.model, {"rules": {"stale_password": rule}})

subject(set) := {"person": testdata.person("E1", "NW-OPS", "NW"), "transfers": [], "accounts": [acct(set)]}

test_a_password_older_than_the_limit_is_a_finding if {
	stale_password.findings == {{
		"rule": "identity.stale_password", "severity": "medium", "op": "",
		"person": "E1", "system": "portal", "account": "u1", "entitlement": "", "event": "",
		"message": "u1 on portal has not changed its password since 2018-04-02, more than 365 days ago",
		"message_key": "stale", "message_params": ["u1", "portal", "2018-04-02", "365"],
	}} with input as subject("2018-04-02") with data.model as model({"limit": 365})
}

test_a_password_within_the_limit_is_fine if {
	count(stale_password.findings) == 0 with input as subject("2025-11-22") with data.model as model({"limit": 365})
}

test_the_limit_counts_whole_days if {
	# 2025-11-22 to 2026-11-22 is 365 days: at the limit, not over it.
	count(stale_password.findings) == 0 with input as subject("2025-11-22") with data.model as model({"limit": 365})
	count(stale_password.findings) == 1 with input as subject("2025-11-21") with data.model as model({"limit": 365})
}

test_a_system_limit_overrides_the_default if {
	count(stale_password.findings) == 1 with input as subject("2026-08-01") with data.model as model({"limit": 365, "systems": {"portal": 90}})
	count(stale_password.findings) == 0 with input as subject("2018-04-02") with data.model as model({"limit": 365, "systems": {"portal": 0}})
}

test_unknown_disabled_and_service_accounts_are_not_checked if {
	count(stale_password.findings) == 0 with input as subject("") with data.model as model({"limit": 365})
	disabled := {"person": testdata.person("E1", "NW-OPS", "NW"), "transfers": [], "accounts": [object.union(acct("2018-04-02"), {"status": "disabled"})]}
	count(stale_password.findings) == 0 with input as disabled with data.model as model({"limit": 365})
	service := {"person": testdata.person("E1", "NW-OPS", "NW"), "transfers": [], "accounts": [object.union(acct("2018-04-02"), {"kind": "service"})]}
	count(stale_password.findings) == 0 with input as service with data.model as model({"limit": 365})
}
