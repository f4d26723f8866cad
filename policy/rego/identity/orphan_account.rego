# METADATA
# title: Account whose owner is not in the HR feed
# description: An active account naming an owner that people.csv does not know.
# custom:
#   id: identity.orphan_account
#   severity: high
#   action: disable_account
#   title_ja: 人事データにない所有者のID
#   messages:
#     orphan:
#       en: "%s on %s belongs to %s, who is not in the HR feed"
#       ja: "%[2]s のアカウント %[1]s の所有者 %[3]s は人事データにいません"
package accessrecon.rules.identity.orphan_account

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	not input.person
	input.owner != ""
	some a in input.accounts
	a.status == "active"
	f := lib.disable(meta.id, meta.severity, a, lib.say(meta, "orphan", [a.id, a.system, a.owner]))
}
