package accessrecon.usage.duties_exercised_test

import data.accessrecon.testdata
import data.accessrecon.usage.duties_exercised

pair := {"system": "billing", "entitlement": "approver", "right_a": "takuso/editor", "right_b": "billing/approver", "reason": "起票と承認", "exceptions": {"E9": true}}

model := object.union(testdata.model, {"duties": {"takuso": {"editor": [pair]}}})

item(id, used, rights) := {
	"system": "takuso", "account_id": "t1", "who": id, "denied": false,
	"account": testdata.account("takuso", "t1", id, [{"entitlement": "editor", "origin": "role", "granted_at": "2025-04-01", "expires_at": ""}]),
	"person": {"id": id}, "used_systems": used, "rights": rights,
	"accesses": [{"at": "2026-11-20T10:00:00+09:00", "at_ns": 0, "day": "2026-11-20", "company": "NW", "unit": ""}],
}

test_both_duties_used_is_critical if {
	duties_exercised.findings == {{
		"rule": "usage.duties_exercised", "severity": "critical", "usage": 0, "access": 0, "person": "E1",
		"message": "E1 used both takuso/editor (through t1) and billing/approver on 2026-11-20, which the separation-of-duties matrix does not allow one person: 起票と承認",
		"message_key": "exercised", "message_params": ["E1", "takuso/editor", "t1", "billing/approver", "2026-11-20", "起票と承認"],
	}} with input as {"usage": [item("E1", ["billing", "takuso"], ["billing/approver", "takuso/editor"])]} with data.model as model
}

test_holding_both_but_using_one_is_for_the_plan_not_the_log if {
	count(duties_exercised.findings) == 0 with input as {"usage": [item("E1", ["takuso"], ["billing/approver", "takuso/editor"])]} with data.model as model
}

test_an_exception_or_no_matrix_is_fine if {
	count(duties_exercised.findings) == 0 with input as {"usage": [item("E9", ["billing", "takuso"], ["billing/approver", "takuso/editor"])]} with data.model as model
	count(duties_exercised.findings) == 0 with input as {"usage": [item("E1", ["billing", "takuso"], ["billing/approver", "takuso/editor"])]} with data.model as testdata.model
}
