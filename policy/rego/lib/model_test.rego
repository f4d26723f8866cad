# A small model shared by the rule tests: two companies, four units, a
# confidential system, an open portal, one past emergency window, one
# exception. Tests override parts of it with `with`.
package accessrecon.testdata

model := {
	"as_of": "2026-11-22",
	"as_of_start_ns": time.parse_rfc3339_ns("2026-11-22T00:00:00+09:00"),
	"as_of_end_ns": time.parse_rfc3339_ns("2026-11-23T00:00:00+09:00"),
	"companies": {"NW": {"kind": "network"}, "HD": {"kind": "holding"}},
	"units": {
		"NW-CONTACT": {"company": "NW", "name": "託送契約窓口", "tags": ["nw-wheeling-contact"]},
		"NW-OPS": {"company": "NW", "name": "配電運用", "tags": []},
		"HD-RETAIL": {"company": "HD", "name": "小売営業", "tags": ["hd-retail"]},
		"HD-ADMIN": {"company": "HD", "name": "総務", "tags": []},
	},
	"systems": {
		"takuso": {"confidential_to": ["NW"], "entitlements": {"viewer": entitlement(["NW-CONTACT", "NW-OPS"])}},
		"portal": {"confidential_to": [], "entitlements": {"user": entitlement(["NW-CONTACT", "NW-OPS", "HD-RETAIL", "HD-ADMIN"])}},
	},
	"emergencies": [past_window],
	"exceptions": [{"id": "EX-1", "rule": "identity.shared_account", "system": "portal", "account": "ops", "expires": "2027-03-31"}],
	"rules": {"direct_transfer_ban": [{"from_tags": ["nw-wheeling-contact"], "to_tags": ["hd-retail"]}]},
}

# entitlement is an entitlement of data.model as policy.Model builds it.
entitlement(units) := {"allowed_units": units, "allowed": {u: true | some u in units}}

past_window := window("2026-09-01T00:00:00+09:00", "2026-09-05T23:59:59+09:00")

current_window := window("2026-11-21T00:00:00+09:00", "2026-11-24T23:59:59+09:00")

window(start, end) := {
	"id": "EM-1", "reason": "typhoon", "systems": ["takuso"], "companies": ["HD"],
	"start": start, "end": end,
	"start_ns": time.parse_rfc3339_ns(start), "end_ns": time.parse_rfc3339_ns(end),
}

person(id, unit, company) := {"id": id, "name": "試験 太郎", "unit": unit, "company": company, "employment": "employee", "end_date": ""}

account(system, id, owner, grants) := {"system": system, "id": id, "owner": owner, "kind": "personal", "status": "active", "grants": grants}

grant(entitlement, origin) := {"entitlement": entitlement, "origin": origin, "granted_at": "2026-04-01", "expires_at": ""}
