// Package risk scores a right under review: the sum of named factors, each
// with its weight and the evidence a reviewer can check (the system's
// confidentiality and the holder's company, the access logs' last use, how
// many of the holder's unit hold it, the rules already calling for its
// removal, its origin, the holder's move since it was granted). Nothing is
// learned or hidden: the same inputs give the same score, and every point
// of it is a line a reviewer reads, in Japanese or English.
package risk

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/i18n"
)

// The factors.
const (
	Confidential = "confidential"    // the system is confidential to a company
	OtherCompany = "other_company"   // … to a company other than the holder's
	Unused       = "unused"          // not used for unused_days business days by the access logs, or never
	PeerOutlier  = "peer_outlier"    // fewer than peer_share of the holder's unit hold it
	PolicyFlag   = "policy_flag"     // a rule already calls for removing it
	Duties       = "duties_conflict" // a separation-of-duties conflict is among those rules
	Emergency    = "emergency"       // an emergency right
	Moved        = "moved"           // the holder moved units since it was granted
	Unusual      = "unusual_holder"  // at least half of the holder's rights (4 or more) are peer outliers
	// Changed is not a factor but a note (weight 0): why a right is
	// reviewed again in a campaign of what changed since the last one.
	Changed = "changed"
)

// Defaults are the factors' weights when the config gives none.
var Defaults = map[string]int{
	Confidential: 10,
	OtherCompany: 40,
	Unused:       25,
	PeerOutlier:  20,
	PolicyFlag:   50,
	Duties:       30,
	Emergency:    15,
	Moved:        20,
	Unusual:      10,
}

// Factors are the factors in the order a reviewer reads them.
var Factors = []string{PolicyFlag, OtherCompany, Duties, Unused, PeerOutlier, Moved, Unusual, Emergency, Confidential}

// Settings are the config's review.risk with its defaults.
type Settings struct {
	Weights    map[string]int
	UnusedDays int     // business days (default 60)
	PeerShare  float64 // default 0.1
	High       int     // default 50
}

// SettingsOf reads review.risk: a factor the config leaves out keeps its
// default weight, 0 turns it off; an unknown factor is an error.
func SettingsOf(r config.Risk) (Settings, error) {
	s := Settings{Weights: maps.Clone(Defaults), UnusedDays: 60, PeerShare: 0.1, High: 50}
	for f, w := range r.Weights {
		if _, ok := Defaults[f]; !ok {
			return s, i18n.Errorf("review.risk.weights: unknown factor %q (expected one of %s)", f, strings.Join(Factors, ", "))
		}
		if w < 0 {
			return s, i18n.Errorf("review.risk.weights.%s: expected a weight of 0 or more, got %d", f, w)
		}
		s.Weights[f] = w
	}
	if r.UnusedDays > 0 {
		s.UnusedDays = r.UnusedDays
	}
	if r.PeerShare > 0 {
		if r.PeerShare >= 1 {
			return s, i18n.Errorf("review.risk.peer_share: expected a share between 0 and 1, got %v", r.PeerShare)
		}
		s.PeerShare = r.PeerShare
	}
	if r.High > 0 {
		s.High = r.High
	}
	return s, nil
}

// Facts are what is known of one right under review.
type Facts struct {
	ConfidentialTo []string // the system's companies
	HolderCompany  string   // "" when the holder is not an active person
	Logs           bool     // access logs are configured
	LastUsed       string   // YYYY-MM-DD of the last use in the logs, "" for never
	UnusedDays     int      // business days since the last use (or since the logs began: never)
	PeersWith      int      // people of the holder's unit holding it (the holder included)
	PeersTotal     int      // people of the holder's unit
	// HolderRights are the holder's rights under review, HolderOutliers
	// how many of them are peer outliers (the holder's set measured
	// against their unit).
	HolderRights, HolderOutliers int
	Rules                        []string // rule ids calling for its removal
	Origin                       string
	MovedFrom                    string // the holder's unit when it was granted, when it differs from today's
	MovedTo                      string
}

// Outlier says whether few enough of the holder's unit hold a right for
// it to count as a peer outlier (peer_share; a unit of one never).
func (s Settings) Outlier(with, total int) bool {
	return total > 1 && float64(with) < s.PeerShare*float64(total)
}

// Reason is one factor of a score, with its weight and evidence (values,
// not sentences: Text renders it in a language).
type Reason struct {
	Factor   string `json:"factor"`
	Weight   int    `json:"weight"`
	Evidence string `json:"evidence,omitempty"`
}

// Score is the sum of the factors that hold, and each of them with its
// weight and evidence, in the order of Factors; a factor weighing 0 is
// left out.
func Score(f Facts, s Settings) (int, []Reason) {
	var out []Reason
	add := func(factor, evidence string) {
		if w := s.Weights[factor]; w > 0 {
			out = append(out, Reason{factor, w, evidence})
		}
	}
	for _, factor := range Factors {
		switch factor {
		case PolicyFlag:
			if len(f.Rules) > 0 {
				add(factor, strings.Join(f.Rules, " "))
			}
		case OtherCompany:
			if len(f.ConfidentialTo) > 0 && f.HolderCompany != "" && !slices.Contains(f.ConfidentialTo, f.HolderCompany) {
				add(factor, strings.Join(f.ConfidentialTo, ",")+"/"+f.HolderCompany)
			}
		case Duties:
			if slices.Contains(f.Rules, "separation.duties_conflict") {
				add(factor, "separation.duties_conflict")
			}
		case Unused:
			if f.Logs && (f.LastUsed == "" || f.UnusedDays >= s.UnusedDays) {
				ev := "never"
				if f.LastUsed != "" {
					ev = f.LastUsed + "/" + strconv.Itoa(f.UnusedDays)
				}
				add(factor, ev)
			}
		case PeerOutlier:
			if s.Outlier(f.PeersWith, f.PeersTotal) {
				add(factor, fmt.Sprintf("%d/%d", f.PeersWith, f.PeersTotal))
			}
		case Unusual:
			if f.HolderRights >= 4 && 2*f.HolderOutliers >= f.HolderRights {
				add(factor, fmt.Sprintf("%d/%d", f.HolderOutliers, f.HolderRights))
			}
		case Moved:
			if f.MovedFrom != "" && f.MovedFrom != f.MovedTo {
				add(factor, f.MovedFrom+"/"+f.MovedTo)
			}
		case Emergency:
			if f.Origin == "emergency" {
				add(factor, "")
			}
		case Confidential:
			if len(f.ConfidentialTo) > 0 {
				add(factor, strings.Join(f.ConfidentialTo, ","))
			}
		}
	}
	total := 0
	for _, r := range out {
		total += r.Weight
	}
	return total, out
}

// Text is a reason as a reviewer reads it, in lang (ja or en): the factor,
// its evidence and its weight.
func Text(lang string, r Reason) string {
	ja := lang == i18n.JA
	a, b, _ := strings.Cut(r.Evidence, "/")
	var s string
	switch r.Factor {
	case PolicyFlag:
		s = pick(ja, "ルールが取消を求めている: "+r.Evidence, "a rule calls for removing it: "+r.Evidence)
	case OtherCompany:
		s = pick(ja, a+" の機密システムを "+b+" の人が持っている", "confidential to "+a+", held by someone of "+b)
	case Duties:
		s = pick(ja, "職務分離の衝突", "a separation-of-duties conflict")
	case Unused:
		if r.Evidence == "never" {
			s = pick(ja, "アクセスログに利用の記録なし", "never used in the access logs")
		} else {
			s = pick(ja, b+" 営業日利用なし（最終 "+a+"）", "unused for "+b+" business days (last "+a+")")
		}
	case PeerOutlier:
		s = pick(ja, "同じ部署で持つ人が少ない（"+r.Evidence+"）", "few of the holder's unit hold it ("+r.Evidence+")")
	case Unusual:
		s = pick(ja, "保有者の権限の "+a+"/"+b+" が部署で少数派", a+" of the holder's "+b+" rights are few in their unit")
	case Moved:
		s = pick(ja, "付与後に異動（"+a+" → "+b+"）", "the holder moved since it was granted ("+a+" → "+b+")")
	case Emergency:
		s = pick(ja, "非常時用の権限", "an emergency right")
	case Confidential:
		s = pick(ja, a+" の機密システム", "a system confidential to "+a)
	case Changed:
		why := map[string][2]string{
			"new": {"新しい権限", "a new right"}, "moved": {"保有者が異動", "the holder moved"}, "unused": {"使われなくなった", "it became unused"},
			"revoked": {"取消と判定されたが残っている", "revoked then, still held"}, "open": {"判定されなかった", "nobody decided it"},
			"new_confidential": {"機密システムの新しい権限", "a new right on a confidential system"},
		}[b]
		return pick(ja, a+" 以降の変更: "+why[0], "changed since "+a+": "+why[1])
	default:
		s = r.Factor
	}
	return fmt.Sprintf("+%d %s", r.Weight, s)
}

func pick(ja bool, j, e string) string {
	if ja {
		return j
	}
	return e
}

// Key is a list of reasons as one string, equal for equal lists (to keep
// each distinct list once).
func Key(rs []Reason) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Factor)
		b.WriteByte(0)
		b.WriteString(strconv.Itoa(r.Weight))
		b.WriteByte(0)
		b.WriteString(r.Evidence)
		b.WriteByte(0)
	}
	return b.String()
}

// Texts are the reasons as lines of one cell (a worksheet's), in lang.
func Texts(lang string, rs []Reason) string {
	lines := make([]string, len(rs))
	for i, r := range rs {
		lines[i] = Text(lang, r)
	}
	return strings.Join(lines, "\n")
}
