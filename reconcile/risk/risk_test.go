package risk

import (
	"reflect"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/config"
)

func defaults(t *testing.T) Settings {
	t.Helper()
	s, err := SettingsOf(config.Risk{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestEveryFactorByHand: one right with every factor, and rights with one
// factor each; the scores are the sums of the documented weights.
func TestEveryFactorByHand(t *testing.T) {
	s := defaults(t)
	all := Facts{
		ConfidentialTo: []string{"NW"}, HolderCompany: "HD", Logs: true, LastUsed: "2026-05-01", UnusedDays: 140,
		PeersWith: 1, PeersTotal: 41, Rules: []string{"separation.duties_conflict"}, Origin: "emergency",
		MovedFrom: "NW-CUSTOMER", MovedTo: "HD-RETAIL", HolderRights: 6, HolderOutliers: 3,
	}
	score, reasons := Score(all, s)
	// 50 policy + 40 other company + 30 duties + 25 unused + 20 peers + 20 moved + 10 unusual + 15 emergency + 10 confidential
	if score != 220 {
		t.Errorf("every factor: %d, want 220", score)
	}
	want := []Reason{
		{PolicyFlag, 50, "separation.duties_conflict"}, {OtherCompany, 40, "NW/HD"}, {Duties, 30, "separation.duties_conflict"},
		{Unused, 25, "2026-05-01/140"}, {PeerOutlier, 20, "1/41"}, {Moved, 20, "NW-CUSTOMER/HD-RETAIL"}, {Unusual, 10, "3/6"}, {Emergency, 15, ""}, {Confidential, 10, "NW"},
	}
	if !reflect.DeepEqual(reasons, want) {
		t.Errorf("reasons:\n%+v\nwant\n%+v", reasons, want)
	}
	for _, c := range []struct {
		name  string
		f     Facts
		score int
	}{
		{"nothing", Facts{PeersWith: 30, PeersTotal: 41, Logs: true, LastUsed: "2026-11-20", UnusedDays: 2}, 0},
		{"own company's confidential system", Facts{ConfidentialTo: []string{"NW"}, HolderCompany: "NW"}, 10},
		{"holder not in the feed: no company to compare", Facts{ConfidentialTo: []string{"NW"}}, 10},
		{"never used", Facts{Logs: true}, 25},
		{"no logs: unknown, not unused", Facts{}, 0},
		{"used 59 business days ago", Facts{Logs: true, LastUsed: "2026-08-28", UnusedDays: 59}, 0},
		{"used 60 business days ago", Facts{Logs: true, LastUsed: "2026-08-27", UnusedDays: 60}, 25},
		{"4 of 41: under 10%", Facts{PeersWith: 4, PeersTotal: 41}, 20},
		{"5 of 41: not", Facts{PeersWith: 5, PeersTotal: 41}, 0},
		{"alone in a unit of one", Facts{PeersWith: 1, PeersTotal: 1}, 0},
		{"moved back to the same unit", Facts{MovedFrom: "X", MovedTo: "X"}, 0},
		{"2 of 4 rights few hold", Facts{HolderRights: 4, HolderOutliers: 2}, 10},
		{"1 of 4", Facts{HolderRights: 4, HolderOutliers: 1}, 0},
		{"3 of 3: too few rights to say", Facts{HolderRights: 3, HolderOutliers: 3}, 0},
	} {
		if got, _ := Score(c.f, s); got != c.score {
			t.Errorf("%s: %d, want %d", c.name, got, c.score)
		}
	}
}

func TestWeightsFromTheConfig(t *testing.T) {
	s, err := SettingsOf(config.Risk{Weights: map[string]int{Confidential: 0, PolicyFlag: 80}, UnusedDays: 20, PeerShare: 0.5, High: 70})
	if err != nil {
		t.Fatal(err)
	}
	score, reasons := Score(Facts{ConfidentialTo: []string{"NW"}, Rules: []string{"r"}, Logs: true, LastUsed: "2026-11-01", UnusedDays: 20, PeersWith: 10, PeersTotal: 30}, s)
	// confidential off; 80 policy + 25 unused (20 days now enough) + 20 peers (10 of 30 under half)
	if score != 125 || len(reasons) != 3 || s.High != 70 {
		t.Errorf("%d %+v", score, reasons)
	}
	for _, bad := range []config.Risk{{Weights: map[string]int{"luck": 5}}, {Weights: map[string]int{Unused: -1}}, {PeerShare: 1.5}} {
		if _, err := SettingsOf(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if _, err := SettingsOf(config.Risk{Weights: map[string]int{"luck": 5}}); !strings.Contains(err.Error(), "policy_flag, other_company") {
		t.Errorf("the error does not list the factors: %v", err)
	}
}

func TestReasonsReadInJapaneseAndEnglish(t *testing.T) {
	r := Reason{Unused, 25, "2026-05-01/140"}
	if got := Text("ja", r); got != "+25 140 営業日利用なし（最終 2026-05-01）" {
		t.Errorf("ja: %q", got)
	}
	if got := Text("en", r); got != "+25 unused for 140 business days (last 2026-05-01)" {
		t.Errorf("en: %q", got)
	}
	if got := Text("ja", Reason{Changed, 0, "Q3/moved"}); got != "Q3 以降の変更: 保有者が異動" {
		t.Errorf("changed: %q", got)
	}
	if got := Texts("ja", []Reason{{OtherCompany, 40, "NW/HD"}, {PeerOutlier, 20, "1/41"}}); got != "+40 NW の機密システムを HD の人が持っている\n+20 同じ部署で持つ人が少ない（1/41）" {
		t.Errorf("texts: %q", got)
	}
}
