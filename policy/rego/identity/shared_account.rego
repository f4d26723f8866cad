# METADATA
# title: Shared or ownerless account
# description: |
#   An active account of kind shared, or with no owner, that no unexpired
#   exception for this rule covers.
# custom:
#   id: identity.shared_account
#   severity: high
#   action: disable_account
#   title_ja: 共用ID・所有者のないID
#   messages:
#     shared:
#       en: "%s on %s is a shared account with no registered, unexpired exception"
#       ja: "%[2]s のアカウント %[1]s は共用IDで、登録済みの有効な例外がありません"
#     ownerless:
#       en: "%s on %s has no owner and no registered, unexpired exception"
#       ja: "%[2]s のアカウント %[1]s には所有者がなく、登録済みの有効な例外もありません"
package accessrecon.rules.identity.shared_account

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	some a in input.accounts
	a.status == "active"
	shared(a.kind, a.owner)
	not lib.excepted(meta.id, a)
	f := lib.disable(meta.id, meta.severity, a, message(a))
}

shared(kind, _) if kind == "shared"

shared(kind, owner) if {
	owner == ""
	kind != "outside" # an unmapped outside collaborator is an external person: identity.external_collaborator
}

message(a) := lib.say(meta, "shared", [a.id, a.system]) if {
	a.kind == "shared"
} else := lib.say(meta, "ownerless", [a.id, a.system])
