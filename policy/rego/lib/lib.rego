# METADATA
# title: Helpers shared by the bundled rules
# description: |
#   Finding constructors and the questions several rules ask: is a window
#   active, is an account excepted, has a person left. Everything they know
#   comes from data.model (the org, systems, windows, exceptions and the
#   as-of date) and input (one person, or one ownerless account).
package accessrecon.lib

# active_account is, one at a time, each account of the subject that rules
# look at. (A function, not a set of accounts: a set would hash every
# account object with its grants on every evaluation.)
active_account(a) if a.status == "active"

# has_left holds when the person's last day is before the as-of date.
has_left(p) if {
	p.end_date != ""
	p.end_date < data.model.as_of
}

# emergency_active holds when a declared window covering the system and the
# company overlaps the as-of day.
emergency_active(system, company) if {
	some w in data.model.emergencies
	window_covers(w, system, company)
	w.start_ns < data.model.as_of_end_ns
	w.end_ns >= data.model.as_of_start_ns
}

window_covers(w, system, company) if {
	system in w.systems
	company_listed(w, company)
}

company_listed(w, _) if count(w.companies) == 0

company_listed(w, company) if company in w.companies

# excepted holds when an unexpired exception covers the rule for the account.
excepted(rule, a) if {
	some x in data.model.exceptions
	x.rule == rule
	x.system == a.system
	x.account == a.id
	x.expires >= data.model.as_of
}

# about is the custom METADATA of a rule module (id, severity, action,
# title_ja) from rego.metadata.chain() called in it: the nearest annotation
# with an id. A rule module defines
#
#	meta := lib.about(rego.metadata.chain())
#
# and builds its findings with meta.id and meta.severity, so that the id and
# severity are written once, in METADATA. (meta is a rule of its own, so the
# chain is built only when a finding is.)
about(chain) := [c | some e in chain; c := e.annotations.custom; c.id][0]

# say is a message of a rule by its key: the rule's annotation
# custom.messages.<key> holds {en, ja}, format strings over params (as
# sprintf; %[2]s picks the second). The finding gets the English text, and the key and
# params from which the engine writes every other language. The finding
# constructors below take it, or a plain string (a rule's own message,
# shown as it is in every language).
say(meta, key, params) := {"en": sprintf(meta.messages[key].en, params), "key": key, "params": params}

text(m) := m if is_string(m)

text(m) := m.en if is_object(m)

message_key(m) := "" if is_string(m)

message_key(m) := m.key if is_object(m)

message_params(m) := [] if is_string(m)

message_params(m) := m.params if is_object(m)

# revoke is a finding whose action revokes one grant.
revoke(rule, severity, a, g, message) := {
	"rule": rule,
	"severity": severity,
	"op": "revoke",
	"person": a.owner,
	"system": a.system,
	"account": a.id,
	"entitlement": g.entitlement,
	"event": "",
	"message": text(message),
	"message_key": message_key(message),
	"message_params": message_params(message),
}

# disable is a finding whose action disables a whole account.
disable(rule, severity, a, message) := {
	"rule": rule,
	"severity": severity,
	"op": "disable_account",
	"person": a.owner,
	"system": a.system,
	"account": a.id,
	"entitlement": "",
	"event": "",
	"message": text(message),
	"message_key": message_key(message),
	"message_params": message_params(message),
}

# transfer_finding is a finding about a transfer event, with no action.
transfer_finding(rule, severity, t, message) := {
	"rule": rule,
	"severity": severity,
	"op": "",
	"person": input.person.id,
	"system": "",
	"account": "",
	"entitlement": "",
	"event": t.event,
	"message": text(message),
	"message_key": message_key(message),
	"message_params": message_params(message),
}

# unit_label names a unit for messages: "NAME (ID)".
unit_label(id) := sprintf("%s (%s)", [data.model.units[id].name, id]) if data.model.units[id].name != ""

else := id

# emergency_active_at holds when a declared window covering the system and
# the company contains the instant at_ns (nanoseconds since the epoch).
emergency_active_at(system, company, at_ns) if {
	some w in data.model.emergencies
	window_covers(w, system, company)
	w.start_ns <= at_ns
	at_ns <= w.end_ns
}

# excepted_on holds when an exception for the rule covering the account was
# unexpired on the day.
excepted_on(rule, a, day) if {
	some x in data.model.exceptions
	x.rule == rule
	x.system == a.system
	x.account == a.id
	x.expires >= day
}

# usage_finding is a finding about one logged access: input.usage[k].accesses[i].
usage_finding(rule, severity, k, i, message) := {
	"rule": rule,
	"severity": severity,
	"usage": k,
	"access": i,
	"person": object.get(input.usage[k], ["person", "id"], object.get(input.usage[k], ["account", "owner"], "")),
	"message": text(message),
	"message_key": message_key(message),
	"message_params": message_params(message),
}

# moved_away holds for an effective transfer t between two companies, with
# from the company the person left.
moved_away(t) := from if {
	t.effective <= data.model.as_of
	from := data.model.units[t.from_unit].company
	from != data.model.units[t.to_unit].company
	input.person.company != from
}

# account_finding is a finding, with no action, about an account.
account_finding(rule, severity, a, t, message) := {
	"rule": rule,
	"severity": severity,
	"op": "",
	"person": input.person.id,
	"system": a.system,
	"account": a.id,
	"entitlement": "",
	"event": t.event,
	"message": text(message),
	"message_key": message_key(message),
	"message_params": message_params(message),
}

# limit is a rule's limit on a system: rules.<rule>.systems[system] when
# set, else rules.<rule>.limit (0: off).
limit(rule, system) := object.get(object.get(rule, "systems", {}), system, object.get(rule, "limit", 0))

# days_between is the number of days from day a to day b (YYYY-MM-DD).
days_between(a, b) := (time.parse_ns("2006-01-02", b) - time.parse_ns("2006-01-02", a)) / 86400000000000
