package accessrecon.rules.identity.external_collaborator_test

import data.accessrecon.rules.identity.external_collaborator
import data.accessrecon.rules.identity.shared_account
import data.accessrecon.testdata

outside(owner) := object.union(testdata.account("portal", "vendor-a", owner, []), {"kind": "outside"})

test_an_unmapped_outside_collaborator_is_reported_not_disabled if {
	subj := {"owner": "", "transfers": [], "accounts": [outside("")]}
	external_collaborator.findings == {{
		"rule": "identity.external_collaborator", "severity": "medium", "op": "",
		"person": "", "system": "portal", "account": "vendor-a", "entitlement": "", "event": "",
		"message": "vendor-a on portal is an outside collaborator that no owners mapping ties to a person of the HR feed: name the employee who sponsors them, or register an exception",
		"message_key": "external", "message_params": ["vendor-a", "portal"],
	}} with input as subj with data.model as testdata.model
	count(shared_account.findings) == 0 with input as subj with data.model as testdata.model
}

test_a_mapped_outside_collaborator_is_fine if {
	subj := {"person": testdata.person("E1", "NW-OPS", "NW"), "transfers": [], "accounts": [outside("E1")]}
	count(external_collaborator.findings) == 0 with input as subj with data.model as testdata.model
}
