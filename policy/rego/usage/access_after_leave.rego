# METADATA
# title: Access after the owner left
# description: A logged access through an account whose owner's last day was before that day.
# custom:
#   id: usage.access_after_leave
#   severity: high
#   action: finding
#   title_ja: 退職後のアクセス
#   messages:
#     after_leave:
#       en: "%s left on %s, but their account %s was used on %s on %s"
#       ja: "%[1]s は %[2]s に退職しましたが、アカウント %[3]s が %[5]s に %[4]s で使われました"
package accessrecon.usage.access_after_leave

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	some k, u in input.usage
	not u.denied # a refused attempt is not an access (usage.attempted_access)
	p := u.person
	p.end_date != ""
	some i, x in u.accesses
	p.end_date < x.day
	f := lib.usage_finding(meta.id, meta.severity, k, i, lib.say(meta, "after_leave", [p.id, p.end_date, u.account.id, u.system, x.day]))
}
