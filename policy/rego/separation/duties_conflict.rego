# METADATA
# title: Rights one person must not hold together
# description: |
#   A person who holds, on active accounts, both rights of a pair in the
#   separation-of-duties matrix (the config's duties file: right_a,
#   right_b, reason, exceptions), and is not among the pair's allowed
#   exceptions: who orders and who approves, who changes a system and who
#   audits it. A finding on the first right of the pair for its system's
#   owners to decide which right goes; nothing is revoked by itself.
# custom:
#   id: separation.duties_conflict
#   severity: high
#   action: finding
#   title_ja: 職務分掌に反する権限の組み合わせ
#   messages:
#     conflict:
#       en: "%s holds both %s (account %s) and %s (account %s), which the separation-of-duties matrix does not allow together: %s"
#       ja: "%[1]s は %[2]s（アカウント %[3]s）と %[4]s（アカウント %[5]s）の両方を持っています。職務分掌で両立を認めない組み合わせです（理由: %[6]s）"
package accessrecon.rules.separation.duties_conflict

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	input.person.id != ""
	some a in input.accounts
	pairs := data.model.duties[a.system] # one lookup an account; none hold most systems
	lib.active_account(a)
	some g in a.grants
	some d in pairs[g.entitlement]
	not d.exceptions[input.person.id]
	some b in input.accounts
	lib.active_account(b)
	b.system == d.system
	some h in b.grants
	h.entitlement == d.entitlement
	not lib.excepted(meta.id, a)
	m := lib.say(meta, "conflict", [input.person.id, d.right_a, a.id, d.right_b, b.id, d.reason])
	f := object.union(lib.revoke(meta.id, meta.severity, a, g, m), {"op": ""})
}
