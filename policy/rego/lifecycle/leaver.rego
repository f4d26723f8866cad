# METADATA
# title: Account of a leaver
# description: An active account whose owner's last day is before the as-of date.
# custom:
#   id: lifecycle.leaver
#   severity: high
#   action: disable_account
#   title_ja: 退職者・契約終了者のID
#   messages:
#     left:
#       en: "%s left on %s but %s on %s is still active"
#       ja: "%[1]s は %[2]s に退職しましたが、%[4]s のアカウント %[3]s は有効なままです"
package accessrecon.rules.lifecycle.leaver

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	lib.has_left(input.person)
	some a in input.accounts
	a.status == "active"
	f := lib.disable(meta.id, meta.severity, a, lib.say(meta, "left", [input.person.id, input.person.end_date, a.id, a.system]))
}
