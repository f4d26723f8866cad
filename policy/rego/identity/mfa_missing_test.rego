package accessrecon.rules.identity.mfa_missing_test

import data.accessrecon.rules.identity.mfa_missing
import data.accessrecon.testdata

acct(mfa) := object.union(testdata.account("portal", "u1", "E1", []), {"mfa": mfa})

model(action) := object.union(testdata.model, {
	"systems": {"portal": object.union(testdata.model.systems.portal, {"require_mfa": true})},
	"rules": {"mfa_missing": {"action": action}},
})

subject(mfa) := {"person": testdata.person("E1", "NW-OPS", "NW"), "transfers": [], "accounts": [acct(mfa)]}

test_an_account_without_mfa_is_a_finding if {
	mfa_missing.findings == {{
		"rule": "identity.mfa_missing", "severity": "high", "op": "",
		"person": "E1", "system": "portal", "account": "u1", "entitlement": "", "event": "",
		"message": "u1 on portal signs in without multi-factor authentication, which portal requires",
		"message_key": "off", "message_params": ["u1", "portal", "portal"],
	}} with input as subject("off") with data.model as model("none")
}

test_disable_when_configured if {
	[f.op | some f in mfa_missing.findings] == ["disable_account"] with input as subject("off") with data.model as model("disable_account")
}

test_unknown_is_not_enabled if {
	[f.message_key | some f in mfa_missing.findings] == ["unknown"] with input as subject("") with data.model as model("none")
}

test_an_account_with_mfa_is_fine if {
	count(mfa_missing.findings) == 0 with input as subject("on") with data.model as model("none")
}

test_systems_without_the_requirement_and_shared_accounts_are_not_checked if {
	count(mfa_missing.findings) == 0 with input as subject("off") with data.model as testdata.model
	shared := {"person": testdata.person("E1", "NW-OPS", "NW"), "transfers": [], "accounts": [object.union(acct("off"), {"kind": "shared"})]}
	count(mfa_missing.findings) == 0 with input as shared with data.model as model("none")
}
