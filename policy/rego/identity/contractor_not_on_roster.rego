# METADATA
# title: Contractor account without an approved roster entry
# description: |
#   On a system marked roster_required, an active account of a contractor
#   must belong to a person on the approved roster for that system (the
#   roster file): approved on or before the day the account was made (when
#   its source says) and on or before the as-of day, and not past its
#   valid_until. The cloud-outsourcing specification of the seeds: only
#   contractors the company approved may hold accounts.
# custom:
#   id: identity.contractor_not_on_roster
#   severity: high
#   action: disable_account
#   title_ja: 承認名簿にない委託先のID
#   messages:
#     missing:
#       en: "%s is a contractor with account %s on %s, which requires an approved roster entry, and has none valid on %s"
#       ja: "%[1]s は委託先で %[3]s のアカウント %[2]s を持っていますが、%[3]s は承認名簿が必要なシステムで、%[4]s に有効な承認がありません"
#     late:
#       en: "%s's account %s on %s was made on %s, before the roster approved them (%s)"
#       ja: "%[1]s の %[3]s のアカウント %[2]s は %[4]s に作成されており、名簿の承認（%[5]s）より前です"
package accessrecon.rules.identity.contractor_not_on_roster

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	input.person.employment == "contractor"
	some a in input.accounts
	a.status == "active"
	data.model.systems[a.system].roster_required
	not approved(a)
	not lib.excepted(meta.id, a)
	f := lib.disable(meta.id, meta.severity, a, message(a))
}

# approved: an entry valid on the as-of day, approved before the account
# was made (when its day is known).
approved(a) if {
	some e in valid(a)
	made_after(a, e)
}

valid(a) := [e |
	some e in data.model.rosters[a.system][input.person.id]
	e.approved_on <= data.model.as_of
	not expired(e)
]

expired(e) if {
	e.valid_until != ""
	e.valid_until < data.model.as_of
}

made_after(a, _) if a.created_at == ""

made_after(a, e) if e.approved_on <= a.created_at

message(a) := lib.say(meta, "late", [input.person.id, a.id, a.system, a.created_at, first_approval(a)]) if {
	count(valid(a)) > 0
} else := lib.say(meta, "missing", [input.person.id, a.id, a.system, data.model.as_of])

first_approval(a) := min({e.approved_on | some e in valid(a)})
