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

shared(_, owner) if owner == ""

message(a) := sprintf("%s on %s is a shared account with no registered, unexpired exception", [a.id, a.system]) if {
	a.kind == "shared"
} else := sprintf("%s on %s has no owner and no registered, unexpired exception", [a.id, a.system])
