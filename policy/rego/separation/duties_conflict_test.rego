package accessrecon.rules.separation.duties_conflict_test

import data.accessrecon.rules.separation.duties_conflict
import data.accessrecon.testdata

pair := {"system": "billing", "entitlement": "approver", "right_a": "takuso/editor", "right_b": "billing/approver", "reason": "請求の起票と承認", "exceptions": {"E9": true}}

model := object.union(testdata.model, {"duties": {"takuso": {"editor": [pair]}}})

subject(id, billing) := {"person": testdata.person(id, "NW-OPS", "NW"), "transfers": [], "accounts": [
	testdata.account("takuso", "t1", id, [{"entitlement": "editor", "origin": "role", "granted_at": "2025-04-01", "expires_at": ""}]),
	billing,
]}

approver(id, status) := object.union(testdata.account("billing", "b1", id, [{"entitlement": "approver", "origin": "request", "granted_at": "2025-04-01", "expires_at": ""}]), {"status": status})

test_both_rights_are_a_finding if {
	duties_conflict.findings == {{
		"rule": "separation.duties_conflict", "severity": "high", "op": "",
		"person": "E1", "system": "takuso", "account": "t1", "entitlement": "editor", "event": "",
		"message": "E1 holds both takuso/editor (account t1) and billing/approver (account b1), which the separation-of-duties matrix does not allow together: 請求の起票と承認",
		"message_key": "conflict", "message_params": ["E1", "takuso/editor", "t1", "billing/approver", "b1", "請求の起票と承認"],
	}} with input as subject("E1", approver("E1", "active")) with data.model as model
}

test_one_right_or_a_disabled_account_is_fine if {
	count(duties_conflict.findings) == 0 with input as subject("E1", approver("E1", "disabled")) with data.model as model
	other := object.union(approver("E1", "active"), {"grants": [{"entitlement": "viewer", "origin": "role", "granted_at": "2025-04-01", "expires_at": ""}]})
	count(duties_conflict.findings) == 0 with input as subject("E1", other) with data.model as model
}

test_an_allowed_exception_is_fine if {
	count(duties_conflict.findings) == 0 with input as subject("E9", approver("E9", "active")) with data.model as model
}

test_no_matrix_no_finding if {
	count(duties_conflict.findings) == 0 with input as subject("E1", approver("E1", "active")) with data.model as testdata.model
}
