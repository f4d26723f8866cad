# METADATA
# title: Access through an unknown account
# description: A logged access through an account that no source knows.
# custom:
#   id: usage.unknown_account
#   severity: high
#   action: finding
#   title_ja: 未知のアカウントによるアクセス
package accessrecon.usage.unknown_account

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	some k, u in input.usage
	not u.account
	some i, x in u.accesses
	f := lib.usage_finding(meta.id, meta.severity, k, i, sprintf(
		"%s on %s is not an account any source knows; it was used on %s", [u.account_id, u.system, x.day],
	))
}
