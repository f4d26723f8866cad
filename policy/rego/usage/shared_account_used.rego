# METADATA
# title: Shared or ownerless account used
# description: |
#   A logged access through an account of kind shared, or with no owner, that
#   no exception for identity.shared_account covered that day.
# custom:
#   id: usage.shared_account_used
#   severity: high
#   action: finding
#   title_ja: 共用ID・所有者のないIDの使用
#   messages:
#     shared_used:
#       en: "the shared or ownerless account %s was used on %s on %s"
#       ja: "共用または所有者のないアカウント %[1]s が %[3]s に %[2]s で使われました"
package accessrecon.usage.shared_account_used

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	some k, u in input.usage
	not u.denied # a refused attempt is not an access (usage.attempted_access)
	a := u.account
	shared(a)
	some i, x in u.accesses
	not lib.excepted_on("identity.shared_account", a, x.day)
	f := lib.usage_finding(meta.id, meta.severity, k, i, lib.say(meta, "shared_used", [a.id, u.system, x.day]))
}

shared(a) if a.kind == "shared"

shared(a) if a.owner == ""
