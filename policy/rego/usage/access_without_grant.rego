# METADATA
# title: Access without a right
# description: |
#   A logged access through a known account that held no grant on that
#   system at that moment (granted_at on or before the day, expires_at not
#   before it).
# custom:
#   id: usage.access_without_grant
#   severity: high
#   action: finding
#   title_ja: 権限のないアクセス
#   messages:
#     no_right:
#       en: "%s accessed %s on %s through %s, which held no right on it that day"
#       ja: "%[1]s は %[3]s に %[2]s へアカウント %[4]s でアクセスしましたが、その日そのアカウントに権限はありませんでした"
package accessrecon.usage.access_without_grant

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	some k, u in input.usage
	not u.denied # a refused attempt is not an access (usage.attempted_access)
	a := u.account
	some i, x in u.accesses
	not held(a, x.day)
	f := lib.usage_finding(meta.id, meta.severity, k, i, lib.say(meta, "no_right", [u.who, u.system, x.day, a.id]))
}

held(a, day) if {
	some g in a.grants
	g.granted_at <= day
	not expired(g, day)
}

expired(g, day) if {
	g.expires_at != ""
	g.expires_at < day
}
