package accessrecon.rules.identity.contractor_not_on_roster_test

import data.accessrecon.rules.identity.contractor_not_on_roster
import data.accessrecon.testdata

contractor := object.union(testdata.person("C1", "NW-OPS", "NW"), {"employment": "contractor"})

acct(created) := object.union(testdata.account("takuso", "c1", "C1", []), {"created_at": created})

model(entries) := object.union(testdata.model, {
	"systems": {"takuso": object.union(testdata.model.systems.takuso, {"roster_required": true})},
	"rosters": {"takuso": {"C1": entries}},
})

subject(created) := {"person": contractor, "transfers": [], "accounts": [acct(created)]}

test_a_contractor_off_the_roster_is_disabled if {
	contractor_not_on_roster.findings == {{
		"rule": "identity.contractor_not_on_roster", "severity": "high", "op": "disable_account",
		"person": "C1", "system": "takuso", "account": "c1", "entitlement": "", "event": "",
		"message": "C1 is a contractor with account c1 on takuso, which requires an approved roster entry, and has none valid on 2026-11-22",
		"message_key": "missing", "message_params": ["C1", "c1", "takuso", "2026-11-22"],
	}} with input as subject("2026-04-01") with data.model as model([])
}

test_an_approved_contractor_is_fine if {
	count(contractor_not_on_roster.findings) == 0 with input as subject("2026-04-01")
		with data.model as model([{"approved_on": "2026-03-15", "valid_until": "2027-03-31"}])
}

test_an_account_made_before_the_approval_is_disabled if {
	f := contractor_not_on_roster.findings with input as subject("2026-03-01")
		with data.model as model([{"approved_on": "2026-03-15", "valid_until": ""}])
	[x | some x in f; x.message_key == "late"; x.message_params == ["C1", "c1", "takuso", "2026-03-01", "2026-03-15"]] != []
}

test_an_expired_approval_does_not_count if {
	count(contractor_not_on_roster.findings) == 1 with input as subject("2026-04-01")
		with data.model as model([{"approved_on": "2025-04-01", "valid_until": "2026-03-31"}])
}

test_an_approval_for_later_does_not_count_yet if {
	count(contractor_not_on_roster.findings) == 1 with input as subject("")
		with data.model as model([{"approved_on": "2026-12-01", "valid_until": ""}])
}

test_unknown_creation_day_and_a_valid_approval_is_fine if {
	count(contractor_not_on_roster.findings) == 0 with input as subject("")
		with data.model as model([{"approved_on": "2026-01-01", "valid_until": ""}])
}

test_employees_and_systems_without_a_roster_are_not_checked if {
	employee := {"person": testdata.person("C1", "NW-OPS", "NW"), "transfers": [], "accounts": [acct("2026-04-01")]}
	count(contractor_not_on_roster.findings) == 0 with input as employee with data.model as model([])
	count(contractor_not_on_roster.findings) == 0 with input as subject("2026-04-01") with data.model as testdata.model
}
