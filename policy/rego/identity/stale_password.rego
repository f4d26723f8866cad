# METADATA
# title: Password not changed for too long
# description: |
#   An active personal account (or an outside collaborator's) whose source
#   says when its password was last set (Entra ID's
#   lastPasswordChangeDateTime, Active Directory's pwdLastSet, a file's
#   password_set_at column), and that day is more than
#   rules.stale_password.limit days (365 by default; per system in
#   rules.stale_password.systems; 0 turns it off) before the as-of day. A
#   password never changed since it was handed out is the one still used
#   after a transfer (北陸電力, 2023). A finding for the system's owners: the
#   holder must change it; nothing is disabled.
# custom:
#   id: identity.stale_password
#   severity: medium
#   action: finding
#   title_ja: 長期間変更されていないパスワード
#   messages:
#     stale:
#       en: "%s on %s has not changed its password since %s, more than %s days ago"
#       ja: "%[2]s のアカウント %[1]s は %[3]s からパスワードを変更していません（%[4]s 日を超えています）"
package accessrecon.rules.identity.stale_password

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	some a in input.accounts
	a.password_set_at != "" # first: most sources do not say, and this rule looks at every account
	a.status == "active"
	a.kind in {"personal", "outside"}
	limit := lib.limit(data.model.rules.stale_password, a.system)
	limit > 0
	lib.days_between(a.password_set_at, data.model.as_of) > limit
	not lib.excepted(meta.id, a)
	m := lib.say(meta, "stale", [a.id, a.system, a.password_set_at, format_int(limit, 10)])
	f := object.union(lib.disable(meta.id, meta.severity, a, m), {"op": ""})
}
