package reconcile

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/connectors/accesslog"
	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile/worksheet"
)

// Files of a campaign folder.
const (
	CampaignFile  = "campaign.json"
	DecisionsFile = "decisions.json"
)

// Campaign is the manifest of a quarterly certification campaign
// (campaign.json): what was put before which reviewer, as of when, from
// which inputs.
type Campaign struct {
	FormatVersion int               `json:"format_version"`
	ID            string            `json:"campaign"`
	AsOf          string            `json:"as_of"`
	CreatedAt     string            `json:"created_at"`
	Inputs        map[string]string `json:"inputs"`
	PolicyDigest  string            `json:"policy_digest"`
	Worksheets    []CampaignSheet   `json:"worksheets"`
}

// CampaignSheet is one reviewer unit's worksheet.
type CampaignSheet struct {
	ReviewerUnit string         `json:"reviewer_unit"`
	Files        []string       `json:"files"`
	Items        []CampaignItem `json:"items"`
}

// CampaignItem is one right under review.
type CampaignItem struct {
	ItemID      string   `json:"item_id"`
	System      string   `json:"system"`
	Account     string   `json:"account"`
	Entitlement string   `json:"entitlement"`
	Person      string   `json:"person"`
	Origin      string   `json:"origin"`
	PolicyFlag  []string `json:"policy_flag"`
}

// itemColumns open every review worksheet: the item, its holder and where
// the holder works, how and when the right was granted.
var itemColumns = []worksheet.Column{
	{ID: "item_id", TitleJA: "項目ID", Width: 28},
	{ID: "system", TitleJA: "システム", Width: 14},
	{ID: "account", TitleJA: "アカウント"},
	{ID: "entitlement", TitleJA: "権限"},
	{ID: "person", TitleJA: "社員番号"},
	{ID: "name", TitleJA: "氏名"},
	{ID: "unit", TitleJA: "現所属"},
	{ID: "company", TitleJA: "現会社"},
	{ID: "origin", TitleJA: "付与経路"},
	{ID: "granted_at", TitleJA: "付与日"},
}

// CertifyColumns are the columns of a certification worksheet.
var CertifyColumns = append(slices.Clone(itemColumns), []worksheet.Column{
	{ID: "expires_at", TitleJA: "有効期限"},
	{ID: "policy_flag", TitleJA: "ポリシー上の取消対象", Width: 30},
	{ID: "last_used", TitleJA: "最終利用日時", Width: 22},
}...)

// LastUse is when each account (SYSTEM/ACCOUNT) was last used by the access
// logs; nil when no logs are configured.
type LastUse map[string]int64

// ReadLastUse scans access logs for the last access through each account.
func ReadLastUse(ctx context.Context, files fs.FS, names []string) (LastUse, accesslog.Stats, error) {
	last := LastUse{}
	st, err := accesslog.Scan(ctx, files, names, func(a *accesslog.Access) {
		key := string(a.System) + "/" + string(a.Account)
		if a.At > last[key] {
			last[key] = a.At
		}
	})
	return last, st, err
}

func (l LastUse) of(accountKey string) string {
	if l == nil {
		return ""
	}
	at, ok := l[accountKey]
	if !ok {
		return "never"
	}
	return time.Unix(0, at).In(graph.Tokyo).Format(time.RFC3339)
}

// CertifyOpen builds a campaign as of a day: one worksheet per system owner
// unit listing every right held by an active account on its systems, with a
// flag where the policy already calls for removing it and, when lastUse is
// not nil, when the account was last used ("never" if the logs do not show it).
func (pl *Planner) CertifyOpen(ctx context.Context, id string, asOf graph.Date, lastUse LastUse) (*Campaign, []*worksheet.Sheet, error) {
	snap := pl.Inputs.Graph.Snapshot()
	forbidden, err := pl.findingsAt(ctx, asOf)
	if err != nil {
		return nil, nil, err
	}
	items := activeGrants(snap, func(*graph.System) bool { return true })
	c := &Campaign{FormatVersion: FormatVersion, ID: id, AsOf: asOf.String(), Inputs: pl.Inputs.Digests, PolicyDigest: pl.Compiled.Digest()}
	byUnit := map[string]*CampaignSheet{}
	sheets := sheets(items, CertifyColumns, func(it reviewItem) []string {
		pid, name := it.holder()
		var a graph.Assignment
		if it.person != nil {
			a = snap.AssignmentAsOf(it.person, asOf)
		}
		flag := ruleIDs(forbidden.of(it.grant))
		unit := reviewerUnit(it.system)
		cs := byUnit[unit]
		if cs == nil {
			cs = &CampaignSheet{ReviewerUnit: unit}
			byUnit[unit] = cs
		}
		cs.Items = append(cs.Items, CampaignItem{
			ItemID: it.grant.Key(), System: it.grant.System, Account: it.grant.Account, Entitlement: it.grant.Entitlement,
			Person: pid, Origin: it.grant.Origin, PolicyFlag: nonNil(flag),
		})
		return []string{it.grant.Key(), it.grant.System, it.grant.Account, it.grant.Entitlement, pid, name,
			a.Unit, a.Company, it.grant.Origin, it.grant.GrantedAt.String(), it.grant.ExpiresAt.String(), strings.Join(flag, " "),
			lastUse.of(it.grant.AccountKey())}
	})
	for _, s := range sheets {
		cs := byUnit[s.Name]
		base := "certify-" + safeFileName(s.Name)
		cs.Files = []string{base + ".xlsx", base + ".csv"}
		c.Worksheets = append(c.Worksheets, *cs)
	}
	return c, sheets, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < ' ' {
			return '_'
		}
		return r
	}, s)
}

// WriteWorksheets writes each sheet as PREFIX-UNIT.xlsx and .csv into dir,
// each file atomically, and returns the file names.
func WriteWorksheets(dir, prefix string, sheets []*worksheet.Sheet) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("--out %s: %w", dir, err)
	}
	var names []string
	for _, s := range sheets {
		base := prefix + "-" + safeFileName(s.Name)
		x, err := s.XLSX()
		if err != nil {
			return nil, err
		}
		c, err := s.CSV()
		if err != nil {
			return nil, err
		}
		for name, data := range map[string][]byte{base + ".xlsx": x, base + ".csv": c} {
			if err := WriteFileAtomic(filepath.Join(dir, name), data); err != nil {
				return nil, err
			}
		}
		names = append(names, base+".xlsx", base+".csv")
	}
	return names, nil
}

// WriteCampaign writes a new campaign folder: the worksheets and then the
// manifest. It refuses to overwrite an existing campaign.
func WriteCampaign(dir string, c *Campaign, sheets []*worksheet.Sheet, now time.Time) error {
	if _, err := os.Stat(filepath.Join(dir, CampaignFile)); err == nil {
		return fmt.Errorf("%s: a campaign already exists there; choose another --out", filepath.Join(dir, CampaignFile))
	}
	if _, err := WriteWorksheets(dir, "certify", sheets); err != nil {
		return err
	}
	c.CreatedAt = now.In(graph.Tokyo).Format(time.RFC3339)
	data, err := encodeJSON(c)
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, CampaignFile), data)
}

func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return buf.Bytes(), nil
}

// ReadCampaign reads DIR/campaign.json.
func ReadCampaign(dir string) (*Campaign, error) {
	path := filepath.Join(dir, CampaignFile)
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: not a campaign folder (no %s; create one with `certify open`)", dir, CampaignFile)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var c Campaign
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%s: not a campaign manifest: %w", path, err)
	}
	if c.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("%s: field format_version: expected %d, got %d", path, FormatVersion, c.FormatVersion)
	}
	return &c, nil
}

// Items is every item of the campaign by item id, with its reviewer unit.
func (c *Campaign) Items() map[string]CampaignItem {
	out := map[string]CampaignItem{}
	for _, s := range c.Worksheets {
		for _, it := range s.Items {
			out[it.ItemID] = it
		}
	}
	return out
}

// Closing is what `certify close` records in DIR/decisions.json.
type Closing struct {
	Campaign   string               `json:"campaign"`
	ClosedAt   string               `json:"closed_at"`
	Unreviewed string               `json:"unreviewed"` // revoke (default deny) or keep
	Decisions  []worksheet.Decision `json:"decisions"`
}

// CheckDecisions refuses decisions about items that are not in the campaign.
func (c *Campaign) CheckDecisions(ds map[string]worksheet.Decision) error {
	items := c.Items()
	var errs []string
	for _, id := range slices.Sorted(maps.Keys(ds)) {
		if _, ok := items[id]; !ok {
			errs = append(errs, fmt.Sprintf("%s: item_id %q is not in campaign %s", ds[id].Pos, id, c.ID))
		}
	}
	if len(errs) > 0 {
		return csvfile.InputErrorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}

// CertifyClose plans the revocations of a campaign: the items decided
// revoke, and the items nobody decided unless unreviewedKeep. Rights that are
// already gone from the current inputs need no action.
func (pl *Planner) CertifyClose(c *Campaign, ds map[string]worksheet.Decision, unreviewedKeep bool, asOf graph.Date) (*Plan, error) {
	if err := c.CheckDecisions(ds); err != nil {
		return nil, err
	}
	snap := pl.Inputs.Graph.Snapshot()
	current := map[string]bool{}
	for _, g := range snap.Grants() {
		current[g.Key()] = true
	}
	p := NewPlan(KindCertification, asOf, pl.Inputs.Digests, pl.Compiled.Digest(), nil)
	p.Campaign = &CampaignRef{ID: c.ID, AsOf: c.AsOf, Unreviewed: "revoke"}
	if unreviewedKeep {
		p.Campaign.Unreviewed = "keep"
	}
	for _, s := range c.Worksheets {
		for _, it := range s.Items {
			d, decided := ds[it.ItemID]
			var rule, reason string
			switch {
			case decided && d.Decision == worksheet.Revoke:
				rule, reason = RuleCertRevoked, fmt.Sprintf("decided revoke by %s on %s in campaign %s", orUnknown(d.Reviewer), orUnknown(d.DecidedAt), c.ID)
				if d.Comment != "" {
					reason += ": " + d.Comment
				}
			case !decided && !unreviewedKeep:
				rule, reason = RuleCertUnreviewed, fmt.Sprintf("not reviewed by %s in campaign %s (default deny)", s.ReviewerUnit, c.ID)
			default:
				continue
			}
			if !current[it.ItemID] {
				continue
			}
			p.Actions = append(p.Actions, Action{
				Op: policy.OpRevoke, System: it.System, Account: it.Account, Entitlement: it.Entitlement,
				Person: it.Person, Effective: asOf.String(), Phase: 1, Rules: []string{rule}, Severity: "medium", Reason: reason,
			})
		}
	}
	SortActions(p.Actions)
	return p, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

// CampaignRef is the certification part of a plan.
type CampaignRef struct {
	ID         string `json:"id"`
	AsOf       string `json:"as_of"`
	Unreviewed string `json:"unreviewed"`
}

// ReviewerStats is the evidence of one reviewer unit's worksheet.
type ReviewerStats struct {
	ReviewerUnit string
	Reviewers    []string
	Items        int
	Kept         int
	Revoked      int
	Unreviewed   int
	First, Last  string
}

// Report counts, per reviewer unit, what was reviewed, kept, revoked and
// left unreviewed, and when.
func (c *Campaign) Report(ds map[string]worksheet.Decision) []ReviewerStats {
	var out []ReviewerStats
	for _, s := range c.Worksheets {
		st := ReviewerStats{ReviewerUnit: s.ReviewerUnit, Items: len(s.Items)}
		for _, it := range s.Items {
			d, ok := ds[it.ItemID]
			switch {
			case !ok:
				st.Unreviewed++
				continue
			case d.Decision == worksheet.Keep:
				st.Kept++
			default:
				st.Revoked++
			}
			if d.Reviewer != "" && !slices.Contains(st.Reviewers, d.Reviewer) {
				st.Reviewers = append(st.Reviewers, d.Reviewer)
			}
			if d.DecidedAt != "" && (st.First == "" || d.DecidedAt < st.First) {
				st.First = d.DecidedAt
			}
			if d.DecidedAt > st.Last {
				st.Last = d.DecidedAt
			}
		}
		sort.Strings(st.Reviewers)
		out = append(out, st)
	}
	return out
}

// ReportMarkdown renders the report for auditors.
func ReportMarkdown(c *Campaign, stats []ReviewerStats, unreviewed string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Certification campaign %s (as of %s)\n\n", c.ID, c.AsOf)
	fmt.Fprintf(&b, "Unreviewed items: %s.\n\n", unreviewed)
	b.WriteString("| reviewer unit 確認部署 | reviewers 確認者 | items 件数 | kept 継続 | revoked 取消 | unreviewed 未確認 | first 最初 | last 最後 |\n|---|---|---:|---:|---:|---:|---|---|\n")
	var total ReviewerStats
	for _, s := range stats {
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %d | %s | %s |\n", s.ReviewerUnit, strings.Join(s.Reviewers, ", "), s.Items, s.Kept, s.Revoked, s.Unreviewed, s.First, s.Last)
		total.Items += s.Items
		total.Kept += s.Kept
		total.Revoked += s.Revoked
		total.Unreviewed += s.Unreviewed
	}
	fmt.Fprintf(&b, "| **total** | | %d | %d | %d | %d | | |\n", total.Items, total.Kept, total.Revoked, total.Unreviewed)
	return []byte(b.String())
}

// ReportCSV is the report as CSV with a BOM, for Excel.
func ReportCSV(stats []ReviewerStats) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.Write([]string{"reviewer_unit", "reviewers", "items", "kept", "revoked", "unreviewed", "first_decided_at", "last_decided_at"})
	for _, s := range stats {
		w.Write([]string{s.ReviewerUnit, strings.Join(s.Reviewers, " "), fmt.Sprint(s.Items), fmt.Sprint(s.Kept), fmt.Sprint(s.Revoked), fmt.Sprint(s.Unreviewed), s.First, s.Last})
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}
