# METADATA
# title: Role right the holder's unit no longer justifies
# description: |
#   A grant of origin role whose holder's current unit (transfers effective by
#   the as-of date applied) is not in the entitlement's allowed_units. This is
#   how rights follow a transfer.
# custom:
#   id: lifecycle.unjustified_grant
#   severity: high
#   action: revoke
#   title_ja: 所属に見合わない役割権限
#   messages:
#     outside:
#       en: "%s is in %s, which the role model of %s/%s does not include"
#       ja: "%[1]s の所属 %[2]s は %[3]s/%[4]s のロールモデルに含まれていません"
package accessrecon.rules.lifecycle.unjustified_grant

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	unit := input.person.unit
	some a in input.accounts
	a.status == "active"
	some g in a.grants
	g.origin == "role"
	entitlement := data.model.systems[a.system].entitlements[g.entitlement]
	not entitlement.allowed[unit]
	f := lib.revoke(meta.id, meta.severity, a, g, lib.say(meta, "outside", [input.person.id, lib.unit_label(unit), a.system, g.entitlement]))
}
