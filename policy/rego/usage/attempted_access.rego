# METADATA
# title: Refused attempt on a confidential system
# description: |
#   An access the system refused (the access log's result column: denied,
#   failed) on a system confidential to some companies, by a person of
#   another company at that moment (outside an emergency window covering
#   them), or through an account that held no right on it that day (or
#   that no source knows). After 2023 the network companies raise an alarm
#   when someone without rights tries to view important data: each attempt
#   is a finding of the daily check and its mail, not only the accesses
#   that succeeded.
# custom:
#   id: usage.attempted_access
#   severity: high
#   action: finding
#   title_ja: 機密システムへのアクセスの試み
#   messages:
#     other_company:
#       en: "%s tried to access %s on %s through %s and was refused: they belong to company %s, and %s is confidential to %s"
#       ja: "%[1]s は %[3]s に %[2]s へアカウント %[4]s でアクセスしようとして拒否されました。%[1]s は会社 %[5]s の所属で、%[6]s は %[7]s の機密システムです"
#     no_right:
#       en: "%s tried to access %s on %s through %s and was refused: the account held no right on it that day"
#       ja: "%[1]s は %[3]s に %[2]s へアカウント %[4]s でアクセスしようとして拒否されました。そのアカウントはその日 %[2]s の権限を持っていませんでした"
package accessrecon.usage.attempted_access

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	some k, u in input.usage
	u.denied
	owners := data.model.systems[u.system].confidential_to
	count(owners) > 0
	some i, x in u.accesses
	m := why(u, x, owners)
	f := lib.usage_finding(meta.id, meta.severity, k, i, m)
}

why(u, x, owners) := lib.say(meta, "other_company", [u.who, u.system, x.day, u.account_id, x.company, u.system, concat(", ", owners)]) if {
	x.company != ""
	not x.company in owners
	not lib.emergency_active_at(u.system, x.company, x.at_ns)
} else := lib.say(meta, "no_right", [u.who, u.system, x.day, u.account_id]) if {
	not held(u, x.day)
}

held(u, day) if {
	some g in u.account.grants
	g.granted_at <= day
	not expired(g, day)
}

expired(g, day) if {
	g.expires_at != ""
	g.expires_at < day
}
