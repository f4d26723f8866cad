# METADATA
# title: Both rights of a separation-of-duties pair used
# description: |
#   A person who holds both rights of a pair in the separation-of-duties
#   matrix (separation.duties_conflict) and, in the window the daily check
#   reviews, used the systems of both: not only a conflict on paper but the
#   two duties exercised by one person. On the first access through the
#   first right's system. The pair's exceptions are not findings.
# custom:
#   id: usage.duties_exercised
#   severity: critical
#   action: finding
#   title_ja: 職務分掌に反する権限の両方の使用
#   messages:
#     exercised:
#       en: "%s used both %s (through %s) and %s on %s, which the separation-of-duties matrix does not allow one person: %s"
#       ja: "%[1]s は %[5]s に %[2]s（アカウント %[3]s）と %[4]s の両方を使いました。職務分掌で一人に認めない組み合わせです（理由: %[6]s）"
package accessrecon.usage.duties_exercised

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	some k, u in input.usage
	count(u.used_systems) > 0
	not u.denied
	pairs := data.model.duties[u.system]
	some g in u.account.grants
	some d in pairs[g.entitlement]
	d.system in u.used_systems
	d.right_b in u.rights
	not d.exceptions[u.person.id]
	x := u.accesses[0]
	m := lib.say(meta, "exercised", [u.who, d.right_a, u.account_id, d.right_b, x.day, d.reason])
	f := lib.usage_finding(meta.id, meta.severity, k, 0, m)
}
