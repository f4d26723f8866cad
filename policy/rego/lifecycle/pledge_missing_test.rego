package accessrecon.rules.lifecycle.pledge_missing_test

import data.accessrecon.rules.lifecycle.pledge_missing
import data.accessrecon.testdata

subject(to, effective, pledge) := {
	"person": testdata.person("E7", to, "HD"),
	"transfers": [{"event": "T7", "from_unit": "NW-OPS", "to_unit": to, "effective": effective, "pledge_date": pledge}],
	"accounts": [],
}

test_effective_inter_company_transfer_without_pledge_is_a_finding if {
	pledge_missing.findings == {{
		"rule": "lifecycle.pledge_missing", "severity": "medium", "op": "",
		"person": "E7", "system": "", "account": "", "entitlement": "", "event": "T7",
		"message": "transfer T7 on 2026-10-01 moves E7 from company NW to HD, and no pledge has been signed",
		"message_key": "unsigned", "message_params": ["T7", "2026-10-01", "E7", "NW", "HD"],
	}} with input as subject("HD-ADMIN", "2026-10-01", "") with data.model as testdata.model
}

test_signed_pledge_is_fine if {
	count(pledge_missing.findings) == 0 with input as subject("HD-ADMIN", "2026-10-01", "2026-09-20") with data.model as testdata.model
}

test_future_transfer_is_not_yet_effective if {
	count(pledge_missing.findings) == 0 with input as subject("HD-ADMIN", "2026-12-01", "") with data.model as testdata.model
}

test_transfer_within_one_company_needs_no_pledge if {
	count(pledge_missing.findings) == 0 with input as subject("NW-CONTACT", "2026-10-01", "") with data.model as testdata.model
}
