package accessrecon.rules.separation.direct_transfer_ban_test

import data.accessrecon.rules.separation.direct_transfer_ban
import data.accessrecon.testdata

transfer(from, to) := {"event": "T1", "from_unit": from, "to_unit": to, "effective": "2026-12-01", "pledge_date": "2026-11-01"}

test_direct_move_from_restricted_to_restricted_is_a_critical_finding if {
	subj := {"person": testdata.person("E1", "NW-CONTACT", "NW"), "transfers": [transfer("NW-CONTACT", "HD-RETAIL")], "accounts": []}
	direct_transfer_ban.findings == {{
		"rule": "separation.direct_transfer_ban", "severity": "critical", "op": "",
		"person": "E1", "system": "", "account": "", "entitlement": "", "event": "T1",
		"message": "transfer T1 on 2026-12-01 moves E1 directly from 託送契約窓口 (NW-CONTACT) to 小売営業 (HD-RETAIL), a move the direct-transfer ban forbids",
		"message_key": "banned", "message_params": ["T1", "2026-12-01", "E1", "託送契約窓口 (NW-CONTACT)", "小売営業 (HD-RETAIL)"],
	}} with input as subj with data.model as testdata.model
}

test_move_through_an_unrestricted_unit_is_allowed if {
	subj := {"person": testdata.person("E1", "HD-RETAIL", "HD"), "transfers": [
		transfer("NW-CONTACT", "HD-ADMIN"),
		object.union(transfer("HD-ADMIN", "HD-RETAIL"), {"event": "T2"}),
	], "accounts": []}
	count(direct_transfer_ban.findings) == 0 with input as subj with data.model as testdata.model
}

test_the_ban_is_data_an_empty_rule_list_allows_everything if {
	subj := {"person": testdata.person("E1", "NW-CONTACT", "NW"), "transfers": [transfer("NW-CONTACT", "HD-RETAIL")], "accounts": []}
	model := object.union(testdata.model, {"rules": {"direct_transfer_ban": []}})
	count(direct_transfer_ban.findings) == 0 with input as subj with data.model as model
}
