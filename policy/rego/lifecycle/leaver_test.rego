package accessrecon.rules.lifecycle.leaver_test

import data.accessrecon.rules.lifecycle.leaver
import data.accessrecon.testdata

leaver_input(end_date) := {
	"person": object.union(testdata.person("E4", "NW-OPS", "NW"), {"end_date": end_date}),
	"transfers": [],
	"accounts": [testdata.account("portal", "u4", "E4", [testdata.grant("user", "role")])],
}

test_account_of_a_leaver_is_disabled if {
	leaver.findings == {{
		"rule": "lifecycle.leaver", "severity": "high", "op": "disable_account",
		"person": "E4", "system": "portal", "account": "u4", "entitlement": "", "event": "",
		"message": "E4 left on 2026-10-31 but u4 on portal is still active",
		"message_key": "left", "message_params": ["E4", "2026-10-31", "u4", "portal"],
	}} with input as leaver_input("2026-10-31") with data.model as testdata.model
}

test_last_day_is_still_employed if {
	count(leaver.findings) == 0 with input as leaver_input("2026-11-22") with data.model as testdata.model
}

test_open_ended_employment_is_fine if {
	count(leaver.findings) == 0 with input as leaver_input("") with data.model as testdata.model
}
