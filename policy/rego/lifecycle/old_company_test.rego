package accessrecon.rules.lifecycle.old_company_test

import data.accessrecon.rules.lifecycle.old_company_account
import data.accessrecon.rules.lifecycle.old_company_mail
import data.accessrecon.testdata

model := object.union(testdata.model, {
	"companies": {"NW": {"kind": "network", "mail_domains": ["nw.example.jp"]}, "HD": {"kind": "holding", "mail_domains": ["hd.example.jp"]}},
	"systems": object.union(testdata.model.systems, {"takuso": object.union(testdata.model.systems.takuso, {"owner": "NW-OPS"})}),
})

moved(mail, effective) := {
	"person": object.union(testdata.person("E8", "HD-ADMIN", "HD"), {"mail": mail}),
	"transfers": [{"event": "T8", "from_unit": "NW-OPS", "to_unit": "HD-ADMIN", "effective": effective, "pledge_date": "2026-09-01"}],
	"accounts": [testdata.account("takuso", "u8", "E8", [testdata.grant("viewer", "role")])],
}

test_old_mail_domain_after_an_inter_company_move if {
	old_company_mail.findings == {{
		"rule": "lifecycle.old_company_mail", "severity": "medium", "op": "",
		"person": "E8", "system": "", "account": "", "entitlement": "", "event": "T8",
		"message": "E8 moved from company NW on 2026-10-01 but still has the mail address E8@NW.example.jp of NW",
		"message_key": "mail", "message_params": ["E8", "NW", "2026-10-01", "E8@NW.example.jp", "NW"],
	}} with input as moved("E8@NW.example.jp", "2026-10-01") with data.model as model
}

test_new_mail_domain_is_fine if {
	count(old_company_mail.findings) == 0 with input as moved("e8@hd.example.jp", "2026-10-01") with data.model as model
}

test_before_the_move_nothing_is_wrong if {
	count(old_company_mail.findings) == 0 with input as moved("e8@nw.example.jp", "2026-12-01") with data.model as model
	count(old_company_account.findings) == 0 with input as moved("e8@nw.example.jp", "2026-12-01") with data.model as model
}

test_account_on_a_system_of_the_former_company if {
	old_company_account.findings == {{
		"rule": "lifecycle.old_company_account", "severity": "high", "op": "",
		"person": "E8", "system": "takuso", "account": "u8", "entitlement": "", "event": "T8",
		"message": "E8 moved from company NW on 2026-10-01 but still holds u8 on takuso, a system of NW",
		"message_key": "holds", "message_params": ["E8", "NW", "2026-10-01", "u8", "takuso", "NW"],
	}} with input as moved("e8@hd.example.jp", "2026-10-01") with data.model as model
}
