package config

import (
	"slices"
	"strings"

	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/input"
	"github.com/accessrecon/accessrecon/input/yamlfile"
)

// NotifyEvent is an event notify.events may name, and which of the
// recipients' flags mean something for it.
type NotifyEvent struct {
	Name      string
	Plan      bool // about one plan: author and approvers name its author and approvers
	Reviewers bool // reviewers names the campaign's reviewers
	Managers  bool // managers names the reviewers' managers
}

// NotifyEvents are the events mail can be about: every event of the audit
// log (reconcile/audit.Names; a test holds the two lists together) but the
// mail's own, mail_sent and mail_refused (mail about mail would never end),
// and the two days of a campaign's calendar that are no event of the log,
// campaign_reminder and campaign_overdue.
var NotifyEvents = []NotifyEvent{
	{Name: "plan", Plan: true},
	{Name: "approval", Plan: true},
	{Name: "rejection", Plan: true},
	{Name: "refusal", Plan: true},
	{Name: "mass_revocation_allowed", Plan: true},
	{Name: "action", Plan: true},
	{Name: "apply", Plan: true},
	{Name: "interrupted", Plan: true},
	{Name: "logs_check"},
	{Name: "transfer_forbidden"},
	{Name: "reset_worksheets"},
	{Name: "campaign_opened", Reviewers: true},
	{Name: "campaign_reminder", Reviewers: true},
	{Name: "campaign_overdue", Managers: true},
	{Name: "campaign_closed"},
	{Name: "review_decision"},
	{Name: "review_delegation"},
	{Name: "review_stage_ended"},
	{Name: "signin"},
	{Name: "signin_refused"},
	{Name: "audit_accepted"},
	{Name: "webhook_refused"},
}

// NotifyEventNames are the names of NotifyEvents.
func NotifyEventNames() []string {
	names := make([]string, len(NotifyEvents))
	for i, e := range NotifyEvents {
		names[i] = e.Name
	}
	return names
}

// checkNotify refuses notify.events that would mail no one without saying
// so: an event name that is none of NotifyEvents (a typo), the mail's own
// events, a flag that means nothing for its event, an event naming nobody.
func (c *Config) checkNotify(data []byte) error {
	names := make([]string, 0, len(c.Notify.Events))
	for name := range c.Notify.Events {
		names = append(names, name)
	}
	slices.Sort(names) // the first error is the same every run
	known := NotifyEventNames()
	for _, name := range names {
		who := c.Notify.Events[name]
		path := []string{"notify", "events", name}
		i := slices.IndexFunc(NotifyEvents, func(e NotifyEvent) bool { return e.Name == name })
		if name == "mail_sent" || name == "mail_refused" {
			return yamlfile.FieldErrorf(c.Path, data, path, "mail is never sent about mail (each message would make another); expected one of %s", strings.Join(known, ", "))
		}
		if i < 0 {
			return yamlfile.FieldErrorf(c.Path, data, path, "unknown event %q: expected one of %s%s", name, strings.Join(known, ", "), input.Suggest(name, known))
		}
		e := NotifyEvents[i]
		for _, f := range []struct {
			key      string
			set, may bool
			applies  i18n.Message
		}{
			{"author", who.Author, e.Plan, i18n.M("events about a plan")},
			{"approvers", who.Approved, e.Plan, i18n.M("events about a plan")},
			{"reviewers", who.Reviewers, e.Reviewers, i18n.M("campaign_opened and campaign_reminder")},
			{"managers", who.Managers, e.Managers, i18n.M("the campaign_overdue event")},
		} {
			if f.set && !f.may {
				return yamlfile.FieldErrorf(c.Path, data, append(path, f.key), "names no one for %s: it is for %s", name, f.applies)
			}
		}
		if len(who.Units) == 0 && len(who.Tags) == 0 && len(who.IDs) == 0 && !who.Author && !who.Approved && !who.Reviewers && !who.Managers {
			return yamlfile.FieldErrorf(c.Path, data, path, "names no one: expected units, tags or ids (or remove the event)")
		}
	}
	return nil
}
