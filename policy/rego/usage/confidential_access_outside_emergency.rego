# METADATA
# title: Confidential system used from another company
# description: |
#   A logged access to a system by a person whose company at that moment is
#   not in the system's confidential_to, outside an emergency window for that
#   system and company.
# custom:
#   id: usage.confidential_access_outside_emergency
#   severity: critical
#   action: finding
#   title_ja: 非常時以外の他社からの機密システム利用
#   messages:
#     confidential:
#       en: "%s of company %s used %s, which is confidential to %s, outside any emergency window"
#       ja: "会社 %[2]s の %[1]s が、%[4]s の機密システム %[3]s を非常時の期間外に使いました"
package accessrecon.usage.confidential_access_outside_emergency

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	some k, u in input.usage
	not u.denied # a refused attempt is not an access (usage.attempted_access)
	system := data.model.systems[u.system]
	count(system.confidential_to) > 0
	some i, x in u.accesses
	x.company != ""
	not x.company in system.confidential_to
	not lib.emergency_active_at(u.system, x.company, x.at_ns)
	f := lib.usage_finding(meta.id, meta.severity, k, i, lib.say(meta, "confidential", [u.who, x.company, u.system, concat(", ", system.confidential_to)]))
}
