package accessrecon.rules.identity.orphan_account_test

import data.accessrecon.rules.identity.orphan_account
import data.accessrecon.testdata

test_account_of_an_unknown_owner_is_disabled if {
	subj := {"owner": "E9999", "transfers": [], "accounts": [testdata.account("portal", "x9", "E9999", [])]}
	orphan_account.findings == {{
		"rule": "identity.orphan_account", "severity": "high", "op": "disable_account",
		"person": "E9999", "system": "portal", "account": "x9", "entitlement": "", "event": "",
		"message": "x9 on portal belongs to E9999, who is not in the HR feed",
		"message_key": "orphan", "message_params": ["x9", "portal", "E9999"],
	}} with input as subj with data.model as testdata.model
}

test_known_owner_is_not_an_orphan if {
	subj := {"owner": "E1", "person": testdata.person("E1", "NW-OPS", "NW"), "transfers": [], "accounts": [testdata.account("portal", "u1", "E1", [])]}
	count(orphan_account.findings) == 0 with input as subj with data.model as testdata.model
}
