# METADATA
# title: Inter-company transfer without a pledge
# description: |
#   A transfer effective by the as-of date between units of two different
#   companies, with no pledge_date.
# custom:
#   id: lifecycle.pledge_missing
#   severity: medium
#   action: finding
#   title_ja: 会社間異動の誓約書未提出
#   messages:
#     unsigned:
#       en: "transfer %s on %s moves %s from company %s to %s, and no pledge has been signed"
#       ja: "異動 %[1]s（%[2]s）で %[3]s は会社 %[4]s から %[5]s へ移りますが、誓約書が提出されていません"
package accessrecon.rules.lifecycle.pledge_missing

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	some t in input.transfers
	t.effective <= data.model.as_of
	t.pledge_date == ""
	from := data.model.units[t.from_unit].company
	to := data.model.units[t.to_unit].company
	from != to
	f := lib.transfer_finding(meta.id, meta.severity, t, lib.say(meta, "unsigned", [t.event, t.effective, input.person.id, from, to]))
}
