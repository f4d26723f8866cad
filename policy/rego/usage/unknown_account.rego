# METADATA
# title: Access through an unknown account
# description: A logged access through an account that no source knows.
# custom:
#   id: usage.unknown_account
#   severity: high
#   action: finding
#   title_ja: 未知のアカウントによるアクセス
#   messages:
#     unknown:
#       en: "%s on %s is not an account any source knows; it was used on %s"
#       ja: "%[2]s のアカウント %[1]s はどの取得元にもないアカウントですが、%[3]s に使われました"
package accessrecon.usage.unknown_account

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	some k, u in input.usage
	not u.denied # a refused attempt is not an access (usage.attempted_access)
	not u.account
	some i, x in u.accesses
	f := lib.usage_finding(meta.id, meta.severity, k, i, lib.say(meta, "unknown", [u.account_id, u.system, x.day]))
}
