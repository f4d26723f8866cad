package config_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/accessrecon/accessrecon/connectors/catalog"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/i18n"
)

const base = "org: org.yaml\nhr: {people: people.csv}\nsystems: systems.yaml\n"

func load(t *testing.T, yaml string) error {
	t.Helper()
	_, err := config.Load(fstest.MapFS{"accessrecon.yaml": {Data: []byte(base + yaml)}}, "accessrecon.yaml", catalog.Types)
	return err
}

// TestNotifyEventsThatMailNoOneAreRefused: a notify.events entry that would
// mail no one without a word (a misspelt event, a flag its event ignores,
// nobody named) or mail forever (about mail itself) is an error naming the
// line and the field, in English and Japanese; what it should be is listed.
func TestNotifyEventsThatMailNoOneAreRefused(t *testing.T) {
	for _, c := range []struct {
		name, events string
		want, wantJA []string
	}{
		{"misspelt", "    plan: {units: [HD-IT]}\n    aproval: {tags: [security]}\n",
			[]string{"accessrecon.yaml:7: field notify.events.aproval: unknown event \"aproval\"", "expected one of plan, approval,", `(did you mean "approval"?)`},
			[]string{"accessrecon.yaml:7: 項目 notify.events.aproval: 不明なイベント", "もしかして \"approval\""}},
		{"mail about mail", "    mail_refused: {tags: [security]}\n",
			[]string{"accessrecon.yaml:6: field notify.events.mail_refused: mail is never sent about mail"},
			[]string{"メール自体のイベント"}},
		{"reviewers on a plan", "    plan:\n      units: [HD-IT]\n      reviewers: true\n",
			[]string{"accessrecon.yaml:8: field notify.events.plan.reviewers: names no one for plan: it is for campaign_opened and campaign_reminder"},
			[]string{"plan では誰も指しません。これは campaign_opened と campaign_reminder のための指定です"}},
		{"author on a campaign", "    campaign_opened: {reviewers: true, author: true}\n",
			[]string{"field notify.events.campaign_opened.author: names no one for campaign_opened: it is for events about a plan"},
			[]string{"計画についてのイベント"}},
		{"managers on a reminder", "    campaign_reminder: {managers: true}\n",
			[]string{"field notify.events.campaign_reminder.managers: names no one for campaign_reminder: it is for the campaign_overdue event"},
			[]string{"これは campaign_overdue イベント のための指定です"}},
		{"nobody", "    refusal: {units: [], ids: []}\n",
			[]string{"accessrecon.yaml:6: field notify.events.refusal: names no one: expected units, tags or ids"},
			[]string{"誰も指していません"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := load(t, "notify:\n  events:\n"+c.events)
			if err == nil {
				t.Fatal("loaded")
			}
			if !errors.Is(err, csvfile.ErrInput) {
				t.Errorf("not an input error (csvfile.ErrInput): %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
			ja := i18n.Text(err, "ja")
			for _, w := range c.wantJA {
				if !strings.Contains(ja, w) {
					t.Errorf("Japanese %q\nlacks %q", ja, w)
				}
			}
		})
	}
}

// TestEveryNotifyEventLoads: each event the docs list loads with the flags
// it takes.
func TestEveryNotifyEventLoads(t *testing.T) {
	var b strings.Builder
	b.WriteString("notify:\n  events:\n")
	for _, e := range config.NotifyEvents {
		b.WriteString("    " + e.Name + ": {tags: [security]")
		if e.Plan {
			b.WriteString(", author: true, approvers: true")
		}
		if e.Reviewers {
			b.WriteString(", reviewers: true")
		}
		if e.Managers {
			b.WriteString(", managers: true")
		}
		b.WriteString("}\n")
	}
	if err := load(t, b.String()); err != nil {
		t.Fatal(err)
	}
	if names := config.NotifyEventNames(); slices.Contains(names, "mail_sent") || len(names) != len(config.NotifyEvents) {
		t.Errorf("names %v", names)
	}
}
