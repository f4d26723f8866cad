package notify

import (
	"strings"
	"testing"
	"unicode"

	"github.com/accessrecon/accessrecon/reconcile/audit"
)

// TestEveryEventHasItsText: every event mail can be about is written in
// Japanese and English words, not its id, and with no Go syntax in it (a
// map, a missing value, a verb it could not format).
func TestEveryEventHasItsText(t *testing.T) {
	data := map[string]any{
		"kind": "reconcile", "out": "plan.json", "actions": 3.0, "findings": 2.0, "done": 1.0, "awaiting_confirmation": 1.0, "failed": 0.0, "work_orders": 1.0,
		"date": "2026-11-24", "by_rule": map[string]any{"usage.access_after_leave": 1.0}, "employee_id": "E1007", "from_unit": "NW-WHEEL-CONTACT",
		"to_unit": "HD-RETAIL", "effective_date": "2026-12-01", "rules": "separation.direct_transfer_ban", "reason": "理由", "plan_file": "plan.json",
		"comment": "見直し", "removals": 40.0, "limit": 20.0, "action": "A0001", "item": "takuso/u1/viewer", "op": "revoke", "state": "done", "detail": "done",
		"pending": 2.0, "year": 2027.0, "dir": "reset-2027", "campaign": "Q4", "unreviewed": "revoke", "decisions": 5.0, "decided": 3.0, "refused": 1.0,
		"to": "E1015", "items": 4.0, "issuer": "https://idp", "subject": "s1", "from": 10.0, "due": "2026-12-10", "units": map[string]any{"NW-CUSTOMER": 22.0},
		"forced": "監査日程のため", "as_of": "2026-11-24", "service": "hr", "remote": "203.0.113.7:51234",
	}
	for _, name := range audit.Names {
		if name == audit.MailSent || name == audit.MailRefused {
			continue
		}
		e := audit.Event{Seq: 7, Event: name, By: "E1001", Plan: "sha256:0123456789abcdef0123", Data: data}
		subject, body := text(e, "", "NW-CUSTOMER")
		if subject == "【accessrecon】"+name || strings.Contains(subject, "("+name+")") {
			t.Errorf("%s: no text of its own: %q", name, subject)
		}
		for _, bad := range []string{"map[", "%!", "<nil>"} {
			if strings.Contains(subject+body, bad) {
				t.Errorf("%s: %q in\n%s\n%s", name, bad, subject, body)
			}
		}
		if !strings.ContainsFunc(strings.TrimPrefix(subject, "【accessrecon】"), func(r rune) bool {
			return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han)
		}) {
			t.Errorf("%s: no Japanese in the subject %q", name, subject)
		}
	}
}
