package accessrecon.rules.identity.shared_account_test

import data.accessrecon.rules.identity.shared_account
import data.accessrecon.testdata

shared_acct := object.union(testdata.account("portal", "team", "", []), {"kind": "shared"})

test_shared_account_is_disabled if {
	shared_account.findings == {{
		"rule": "identity.shared_account", "severity": "high", "op": "disable_account",
		"person": "", "system": "portal", "account": "team", "entitlement": "", "event": "",
		"message": "team on portal is a shared account with no registered, unexpired exception",
		"message_key": "shared", "message_params": ["team", "portal"],
	}} with input as {"owner": "", "transfers": [], "accounts": [shared_acct]} with data.model as testdata.model
}

test_ownerless_personal_account_is_disabled if {
	acct := testdata.account("portal", "ghost", "", [])
	shared_account.findings == {{
		"rule": "identity.shared_account", "severity": "high", "op": "disable_account",
		"person": "", "system": "portal", "account": "ghost", "entitlement": "", "event": "",
		"message": "ghost on portal has no owner and no registered, unexpired exception",
		"message_key": "ownerless", "message_params": ["ghost", "portal"],
	}} with input as {"owner": "", "transfers": [], "accounts": [acct]} with data.model as testdata.model
}

test_an_unexpired_exception_covers_it if {
	acct := object.union(shared_acct, {"id": "ops"})
	count(shared_account.findings) == 0 with input as {"owner": "", "transfers": [], "accounts": [acct]} with data.model as testdata.model
}

test_an_expired_exception_does_not if {
	acct := object.union(shared_acct, {"id": "ops"})
	model := object.union(testdata.model, {"as_of": "2027-04-01"})
	count(shared_account.findings) == 1 with input as {"owner": "", "transfers": [], "accounts": [acct]} with data.model as model
}

test_personal_owned_account_is_fine if {
	subj := {"person": testdata.person("E1", "NW-OPS", "NW"), "transfers": [], "accounts": [testdata.account("portal", "u1", "E1", [])]}
	count(shared_account.findings) == 0 with input as subj with data.model as testdata.model
}
