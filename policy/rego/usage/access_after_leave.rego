# METADATA
# title: Access after the owner left
# description: A logged access through an account whose owner's last day was before that day.
# custom:
#   id: usage.access_after_leave
#   severity: high
#   action: finding
#   title_ja: 退職後のアクセス
package accessrecon.usage.access_after_leave

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	some k, u in input.usage
	p := u.person
	p.end_date != ""
	some i, x in u.accesses
	p.end_date < x.day
	f := lib.usage_finding(meta.id, meta.severity, k, i, sprintf(
		"%s left on %s, but their account %s was used on %s on %s", [p.id, p.end_date, u.account.id, u.system, x.day],
	))
}
