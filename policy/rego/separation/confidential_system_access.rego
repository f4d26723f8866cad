# METADATA
# title: Right on a confidential system held outside its companies
# description: |
#   A person whose current company is not in the system's confidential_to
#   holds a grant on it, and no emergency window for that system and company
#   is active on the as-of day.
# custom:
#   id: separation.confidential_system_access
#   severity: critical
#   action: revoke
#   title_ja: 機密システムへの他社からの権限
#   messages:
#     other_company:
#       en: "%s belongs to company %s, but %s is confidential to %s and no emergency window is active"
#       ja: "%[1]s は会社 %[2]s の所属ですが、%[3]s は %[4]s の機密システムで、有効な非常時の期間もありません"
package accessrecon.rules.separation.confidential_system_access

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	company := input.person.company
	some a in input.accounts
	a.status == "active"
	system := data.model.systems[a.system]
	system.confidential_to != []
	not company in system.confidential_to
	not lib.emergency_active(a.system, company)
	some g in a.grants
	f := lib.revoke(meta.id, meta.severity, a, g, lib.say(meta, "other_company", [input.person.id, company, a.system, concat(", ", system.confidential_to)]))
}
