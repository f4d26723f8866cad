# METADATA
# title: Expired right
# description: A grant whose expires_at is before the as-of date.
# custom:
#   id: lifecycle.expired_grant
#   severity: medium
#   action: revoke
#   title_ja: 有効期限切れの権限
#   messages:
#     expired:
#       en: "%s/%s expired on %s"
#       ja: "%s/%s の権限は %s に有効期限が切れています"
package accessrecon.rules.lifecycle.expired_grant

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	some a in input.accounts
	a.status == "active"
	some g in a.grants
	g.expires_at != ""
	g.expires_at < data.model.as_of
	f := lib.revoke(meta.id, meta.severity, a, g, lib.say(meta, "expired", [a.system, g.entitlement, g.expires_at]))
}
