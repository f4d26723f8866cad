# METADATA
# title: Account on a system of the former company after a transfer
# description: |
#   After an effective transfer between companies, the person still holds an
#   active account on a system owned by a unit of the company they left.
# custom:
#   id: lifecycle.old_company_account
#   severity: high
#   action: finding
#   title_ja: 異動前の会社のシステムのアカウント
#   messages:
#     holds:
#       en: "%s moved from company %s on %s but still holds %s on %s, a system of %s"
#       ja: "%[1]s は %[3]s に会社 %[2]s から異動しましたが、%[6]s のシステム %[5]s のアカウント %[4]s を保持したままです"
package accessrecon.rules.lifecycle.old_company_account

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	some t in input.transfers
	from := lib.moved_away(t)
	some a in input.accounts
	a.status == "active"
	data.model.units[data.model.systems[a.system].owner].company == from
	f := lib.account_finding(meta.id, meta.severity, a, t, lib.say(meta, "holds", [input.person.id, from, t.effective, a.id, a.system, from]))
}
