package accessrecon.usage_test

import data.accessrecon.testdata
import data.accessrecon.usage.access_after_leave
import data.accessrecon.usage.access_without_grant
import data.accessrecon.usage.confidential_access_outside_emergency
import data.accessrecon.usage.shared_account_used
import data.accessrecon.usage.unknown_account

access(at, company) := {
	"at": at, "at_ns": time.parse_rfc3339_ns(at), "day": substring(at, 0, 10),
	"company": company, "unit": "",
}

subject(acct, person, accesses) := {
	"system": acct.system, "account_id": acct.id, "who": person.id,
	"account": acct, "person": person, "accesses": accesses,
}

viewer := testdata.account("takuso", "u1", "E1", [testdata.grant("viewer", "request")])

test_access_without_a_right_that_day if {
	a := testdata.account("takuso", "u1", "E1", [object.union(testdata.grant("viewer", "request"), {"expires_at": "2026-11-20"})])
	subj := subject(a, testdata.person("E1", "NW-OPS", "NW"), [
		access("2026-11-20T10:00:00+09:00", "NW"),
		access("2026-11-21T10:00:00+09:00", "NW"),
	])
	access_without_grant.findings == {{
		"rule": "usage.access_without_grant", "severity": "high", "usage": 0, "access": 1, "person": "E1",
		"message": "E1 accessed takuso on 2026-11-21 through u1, which held no right on it that day",
		"message_key": "no_right", "message_params": ["E1", "takuso", "2026-11-21", "u1"],
	}} with input as {"usage": [subj]} with data.model as testdata.model
}

test_access_before_the_grant_is_without_a_right if {
	subj := subject(viewer, testdata.person("E1", "NW-OPS", "NW"), [access("2026-03-31T23:00:00+09:00", "NW")])
	count(access_without_grant.findings) == 1 with input as {"usage": [subj]} with data.model as testdata.model
}

test_confidential_access_from_another_company if {
	subj := subject(viewer, testdata.person("E1", "HD-RETAIL", "HD"), [access("2026-11-20T10:00:00+09:00", "HD")])
	confidential_access_outside_emergency.findings == {{
		"rule": "usage.confidential_access_outside_emergency", "severity": "critical", "usage": 0, "access": 0, "person": "E1",
		"message": "E1 of company HD used takuso, which is confidential to NW, outside any emergency window",
		"message_key": "confidential", "message_params": ["E1", "HD", "takuso", "NW"],
	}} with input as {"usage": [subj]} with data.model as testdata.model
}

test_confidential_access_inside_the_window_is_fine_to_the_second if {
	subj := subject(viewer, testdata.person("E1", "HD-RETAIL", "HD"), [
		access("2026-09-05T23:59:59+09:00", "HD"),
		access("2026-09-06T00:00:00+09:00", "HD"),
	])
	{f.access | some f in confidential_access_outside_emergency.findings} == {1} with input as {"usage": [subj]} with data.model as testdata.model
}

test_confidential_access_by_own_company_is_fine if {
	subj := subject(viewer, testdata.person("E1", "NW-OPS", "NW"), [access("2026-11-20T10:00:00+09:00", "NW")])
	count(confidential_access_outside_emergency.findings) == 0 with input as {"usage": [subj]} with data.model as testdata.model
}

test_shared_account_used if {
	a := object.union(testdata.account("portal", "team", "", [testdata.grant("user", "request")]), {"kind": "shared"})
	subj := {"system": "portal", "account_id": "team", "who": "team", "account": a, "accesses": [access("2026-11-20T10:00:00+09:00", "")]}
	shared_account_used.findings == {{
		"rule": "usage.shared_account_used", "severity": "high", "usage": 0, "access": 0, "person": "",
		"message": "the shared or ownerless account team was used on portal on 2026-11-20",
		"message_key": "shared_used", "message_params": ["team", "portal", "2026-11-20"],
	}} with input as {"usage": [subj]} with data.model as testdata.model
}

test_excepted_shared_account_is_fine if {
	a := object.union(testdata.account("portal", "ops", "", []), {"kind": "shared"})
	subj := {"system": "portal", "account_id": "ops", "who": "ops", "account": a, "accesses": [access("2026-11-20T10:00:00+09:00", "")]}
	count(shared_account_used.findings) == 0 with input as {"usage": [subj]} with data.model as testdata.model
}

test_access_after_leave if {
	p := object.union(testdata.person("E1", "NW-OPS", "NW"), {"end_date": "2026-11-19"})
	subj := subject(viewer, p, [access("2026-11-19T17:00:00+09:00", "NW"), access("2026-11-20T08:00:00+09:00", "NW")])
	access_after_leave.findings == {{
		"rule": "usage.access_after_leave", "severity": "high", "usage": 0, "access": 1, "person": "E1",
		"message": "E1 left on 2026-11-19, but their account u1 was used on takuso on 2026-11-20",
		"message_key": "after_leave", "message_params": ["E1", "2026-11-19", "u1", "takuso", "2026-11-20"],
	}} with input as {"usage": [subj]} with data.model as testdata.model
}

test_access_before_the_last_day_is_fine if {
	p := object.union(testdata.person("E1", "NW-OPS", "NW"), {"end_date": "2026-11-20"})
	subj := subject(viewer, p, [access("2026-11-20T17:00:00+09:00", "NW")])
	count(access_after_leave.findings) == 0 with input as {"usage": [subj]} with data.model as testdata.model
}

test_unknown_account if {
	subj := {"system": "takuso", "account_id": "zz9", "who": "zz9", "accesses": [access("2026-11-20T10:00:00+09:00", "")]}
	unknown_account.findings == {{
		"rule": "usage.unknown_account", "severity": "high", "usage": 0, "access": 0, "person": "",
		"message": "zz9 on takuso is not an account any source knows; it was used on 2026-11-20",
		"message_key": "unknown", "message_params": ["zz9", "takuso", "2026-11-20"],
	}} with input as {"usage": [subj]} with data.model as testdata.model
}

test_known_account_is_not_unknown if {
	subj := subject(viewer, testdata.person("E1", "NW-OPS", "NW"), [access("2026-11-20T10:00:00+09:00", "NW")])
	count(unknown_account.findings) == 0 with input as {"usage": [subj]} with data.model as testdata.model
}

test_findings_name_the_account_of_a_batch if {
	known := subject(viewer, testdata.person("E1", "NW-OPS", "NW"), [access("2026-11-20T10:00:00+09:00", "NW")])
	unknown := {"system": "takuso", "account_id": "zz9", "who": "zz9", "accesses": [access("2026-11-20T10:00:00+09:00", "")]}
	{[f.usage, f.access] | some f in unknown_account.findings} == {[1, 0]} with input as {"usage": [known, unknown]} with data.model as testdata.model
}
