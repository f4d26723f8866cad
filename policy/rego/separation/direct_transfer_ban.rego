# METADATA
# title: Direct transfer between restricted units
# description: |
#   A transfer, planned or effective, that goes directly from a unit carrying a
#   from-tag to a unit carrying a to-tag of a rules.direct_transfer_ban pair.
#   A move through an unrestricted unit in between is not direct.
# custom:
#   id: separation.direct_transfer_ban
#   severity: critical
#   action: finding
#   title_ja: 制限部署間の直接異動
#   messages:
#     banned:
#       en: "transfer %s on %s moves %s directly from %s to %s, a move the direct-transfer ban forbids"
#       ja: "異動 %[1]s（%[2]s）で %[3]s は %[4]s から %[5]s へ直接移ります。直接異動の禁止に該当します"
package accessrecon.rules.separation.direct_transfer_ban

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	some t in input.transfers
	some pair in data.model.rules.direct_transfer_ban
	from := data.model.units[t.from_unit]
	to := data.model.units[t.to_unit]
	some from_tag in pair.from_tags
	from_tag in from.tags
	some to_tag in pair.to_tags
	to_tag in to.tags
	f := lib.transfer_finding(meta.id, meta.severity, t, lib.say(meta, "banned", [t.event, t.effective, input.person.id, lib.unit_label(t.from_unit), lib.unit_label(t.to_unit)]))
}
