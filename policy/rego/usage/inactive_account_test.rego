package accessrecon.rules.usage.inactive_account_test

import data.accessrecon.rules.usage.inactive_account
import data.accessrecon.testdata

acct(last, created) := object.union(testdata.account("portal", "u1", "E1", []), {"last_sign_in": last, "created_at": created})

# The business days before 2026-11-22 (a Sunday), newest first: 11-20 (Fri),
# 11-19, 11-18, 11-17, 11-16, 11-13 ...
model(rule) := object.union(testdata.model, {
	"rules": {"inactive_account": rule},
	"business_days": ["2026-11-20", "2026-11-19", "2026-11-18", "2026-11-17", "2026-11-16", "2026-11-13"],
})

subject(last, created) := {"person": testdata.person("E1", "NW-OPS", "NW"), "transfers": [], "accounts": [acct(last, created)]}

test_an_account_unused_for_the_limit_is_disabled if {
	inactive_account.findings == {{
		"rule": "usage.inactive_account", "severity": "medium", "op": "disable_account",
		"person": "E1", "system": "portal", "account": "u1", "entitlement": "", "event": "",
		"message": "u1 on portal last signed in on 2026-11-13, not on any of the last 5 business days",
		"message_key": "inactive", "message_params": ["u1", "portal", "2026-11-13", "5"],
	}} with input as subject("2026-11-13", "2020-04-01") with data.model as model({"limit": 5, "action": "disable_account"})
}

test_a_sign_in_on_the_first_business_day_of_the_limit_counts if {
	count(inactive_account.findings) == 0 with input as subject("2026-11-16", "2020-04-01") with data.model as model({"limit": 5})
	# a weekend between counts for nothing: 11-14 and 11-15 are no business days
	count(inactive_account.findings) == 1 with input as subject("2026-11-15", "2020-04-01") with data.model as model({"limit": 5})
}

test_never_signed_in_counts_from_the_day_it_was_made if {
	[f.message_key | some f in inactive_account.findings] == ["never"] with input as subject("never", "2026-11-01") with data.model as model({"limit": 5})
	count(inactive_account.findings) == 0 with input as subject("never", "2026-11-18") with data.model as model({"limit": 5})
	# made on a day not known: not known to be idle
	count(inactive_account.findings) == 0 with input as subject("never", "") with data.model as model({"limit": 5})
}

test_action_none_is_a_finding_only if {
	[f.op | some f in inactive_account.findings] == [""] with input as subject("2026-01-05", "") with data.model as model({"limit": 5, "action": "none"})
}

test_a_system_limit_and_off if {
	count(inactive_account.findings) == 0 with input as subject("2026-11-13", "") with data.model as model({"limit": 5, "systems": {"portal": 6}})
	count(inactive_account.findings) == 0 with input as subject("2026-01-05", "") with data.model as model({"limit": 0})
}

test_unknown_sign_ins_are_not_checked if {
	count(inactive_account.findings) == 0 with input as subject("", "2020-04-01") with data.model as model({"limit": 5})
}
