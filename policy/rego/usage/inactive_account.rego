# METADATA
# title: Account not signed in to for too long
# description: |
#   An active personal account (or an outside collaborator's) whose source
#   keeps sign-ins (Entra ID's signInActivity, Active Directory's
#   lastLogonTimestamp, a file's last_sign_in column) and that has had no
#   successful sign-in on any of the last rules.inactive_account.limit
#   business days before the as-of day (60 by default; per system in
#   rules.inactive_account.systems; 0 turns it off): last signed in before
#   the limit's first business day, or never and made before it. A right
#   nobody uses is a right nobody would miss, and one a transferee keeps
#   unnoticed. The action is rules.inactive_account.action:
#   disable_account (the default) or none (a finding).
# custom:
#   id: usage.inactive_account
#   severity: medium
#   action: configurable
#   title_ja: 長期間使われていないアカウント
#   messages:
#     inactive:
#       en: "%s on %s last signed in on %s, not on any of the last %s business days"
#       ja: "%[2]s のアカウント %[1]s の最終サインインは %[3]s で、直近 %[4]s 営業日に一度もサインインしていません"
#     never:
#       en: "%s on %s has never signed in since it was made on %s, more than %s business days ago"
#       ja: "%[2]s のアカウント %[1]s は %[3]s の作成から一度もサインインしていません（%[4]s 営業日を超えています）"
package accessrecon.rules.usage.inactive_account

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	some a in input.accounts
	a.last_sign_in != "" # first: most sources do not say, and this rule looks at every account
	a.status == "active"
	a.kind in {"personal", "outside"}
	n := lib.limit(data.model.rules.inactive_account, a.system)
	n > 0
	first := data.model.business_days[n - 1]
	m := idle(a, first, n)
	not lib.excepted(meta.id, a)
	f := finding(a, m)
}

# idle is the message for an account not used since before the day first.
idle(a, first, n) := lib.say(meta, "never", [a.id, a.system, a.created_at, format_int(n, 10)]) if {
	a.last_sign_in == "never"
	a.created_at != ""
	a.created_at < first
}

idle(a, first, n) := lib.say(meta, "inactive", [a.id, a.system, a.last_sign_in, format_int(n, 10)]) if {
	a.last_sign_in != "never"
	a.last_sign_in < first
}

finding(a, m) := object.union(lib.disable(meta.id, meta.severity, a, m), {"op": ""}) if {
	data.model.rules.inactive_account.action == "none"
} else := lib.disable(meta.id, meta.severity, a, m)
