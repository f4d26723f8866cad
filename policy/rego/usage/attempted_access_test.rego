package accessrecon.usage.attempted_access_test

import data.accessrecon.testdata
import data.accessrecon.usage.access_without_grant
import data.accessrecon.usage.attempted_access
import data.accessrecon.usage.confidential_access_outside_emergency

access(at, company) := {
	"at": at, "at_ns": time.parse_rfc3339_ns(at), "day": substring(at, 0, 10),
	"company": company, "unit": "",
}

attempt(acct, person, accesses) := {
	"system": acct.system, "account_id": acct.id, "who": person.id, "denied": true,
	"account": acct, "person": person, "accesses": accesses,
}

viewer := testdata.account("takuso", "u1", "E1", [testdata.grant("viewer", "request")])

test_a_refused_attempt_by_another_company_is_a_finding if {
	subj := attempt(viewer, testdata.person("E1", "HD-RETAIL", "HD"), [access("2026-11-20T10:00:00+09:00", "HD")])
	attempted_access.findings == {{
		"rule": "usage.attempted_access", "severity": "high", "usage": 0, "access": 0, "person": "E1",
		"message": "E1 tried to access takuso on 2026-11-20 through u1 and was refused: they belong to company HD, and takuso is confidential to NW",
		"message_key": "other_company", "message_params": ["E1", "takuso", "2026-11-20", "u1", "HD", "takuso", "NW"],
	}} with input as {"usage": [subj]} with data.model as testdata.model
	# not an access: the rules of accesses say nothing of it
	count(confidential_access_outside_emergency.findings) == 0 with input as {"usage": [subj]} with data.model as testdata.model
}

test_a_refused_attempt_without_a_right_is_a_finding if {
	none := testdata.account("takuso", "u1", "E1", [])
	subj := attempt(none, testdata.person("E1", "NW-OPS", "NW"), [access("2026-11-20T10:00:00+09:00", "NW")])
	[f.message_key | some f in attempted_access.findings] == ["no_right"] with input as {"usage": [subj]} with data.model as testdata.model
	count(access_without_grant.findings) == 0 with input as {"usage": [subj]} with data.model as testdata.model
}

test_a_refused_attempt_by_an_unknown_account_is_a_finding if {
	subj := {"system": "takuso", "account_id": "ghost", "who": "ghost", "denied": true, "accesses": [access("2026-11-20T10:00:00+09:00", "")]}
	[f.message_key | some f in attempted_access.findings] == ["no_right"] with input as {"usage": [subj]} with data.model as testdata.model
}

test_a_refused_attempt_by_a_holder_of_the_own_company_is_fine if {
	subj := attempt(viewer, testdata.person("E1", "NW-OPS", "NW"), [access("2026-11-20T10:00:00+09:00", "NW")])
	count(attempted_access.findings) == 0 with input as {"usage": [subj]} with data.model as testdata.model
}

test_allowed_accesses_are_not_attempts if {
	subj := object.union(attempt(viewer, testdata.person("E1", "HD-RETAIL", "HD"), [access("2026-11-20T10:00:00+09:00", "HD")]), {"denied": false})
	count(attempted_access.findings) == 0 with input as {"usage": [subj]} with data.model as testdata.model
}
