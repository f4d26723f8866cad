package reconcile

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/policy"
)

// FormatVersion is the plan file's format version.
const FormatVersion = 1

// Plan kinds.
const (
	KindReconcile     = "reconcile"
	KindTransfer      = "transfer"
	KindFebruaryReset = "february-reset"
	KindCertification = "certification"
)

// CampaignRef is the certification part of a plan.
type CampaignRef struct {
	ID         string `json:"id"`
	AsOf       string `json:"as_of"`
	Unreviewed string `json:"unreviewed"`
	// Forced is the reason the campaign was closed before its last stage
	// ended ("" when it was not).
	Forced string `json:"forced,omitempty"`
}

// AuditHead is where the audit log ended when a plan was made. Plans made
// now record it in their audit event (data.audit_head); plan files of
// earlier versions carry it, covered by their digest.
type AuditHead struct {
	Lines int    `json:"lines"`
	Hash  string `json:"hash"`
}

// Plan is the plan file of SPEC. Its digest covers everything but
// generated_at and digest itself.
type Plan struct {
	FormatVersion int               `json:"format_version"`
	Kind          string            `json:"kind"`
	AsOf          string            `json:"as_of"`
	GeneratedAt   string            `json:"generated_at"`
	CreatedBy     string            `json:"created_by,omitempty"`
	Event         string            `json:"event,omitempty"`
	Campaign      *CampaignRef      `json:"campaign,omitempty"`
	AuditHead     *AuditHead        `json:"audit_head,omitempty"`
	Inputs        map[string]string `json:"inputs"`
	PolicyDigest  string            `json:"policy_digest"`
	Findings      []Finding         `json:"findings"`
	Actions       []Action          `json:"actions"`
	// Inventory (reconcile and February-reset plans) is, for each system
	// confidential to a company, how many people of each company hold a
	// right on it on the plan's day (the
	// shared-system inventory a regulator asks for; the dashboard draws
	// it over time).
	Inventory []InventoryRow `json:"inventory,omitempty"`
	Digest    string         `json:"digest"`
}

// InventoryRow is how many people of a company ("" for owners the HR feed
// does not know, and accounts without an owner) hold at least one right on
// an active account of a confidential system.
type InventoryRow struct {
	System  string `json:"system"`
	Company string `json:"company"`
	People  int    `json:"people"`
}

// AddInventory fills the inventory of a reconcile or February-reset plan
// (the plans the dashboard draws it from) from the snapshot as of its day.
// Other plans carry none: a transfer plan of serve's API must not pay a
// pass over every person and confidential account.
func (p *Plan) AddInventory(snap *graph.Snapshot) {
	asOf, err := graph.ParseDate(p.AsOf)
	if err != nil || (p.Kind != KindReconcile && p.Kind != KindFebruaryReset) {
		return
	}
	p.Inventory = nil
	// Each person's company on the day, in one pass over the people and
	// the transfers (what AssignmentAsOf gives one at a time): an owner
	// holds accounts on many systems.
	unitCompany := map[string]string{}
	for _, u := range snap.Units() {
		unitCompany[u.ID] = u.Company
	}
	unitOn := map[string]string{}
	ts := snap.Transfers()
	slices.SortStableFunc(ts, func(a, b *graph.Transfer) int {
		if a.Effective != b.Effective {
			return int(a.Effective - b.Effective)
		}
		return strings.Compare(a.EventID, b.EventID)
	})
	for _, t := range ts {
		if t.Effective <= asOf {
			unitOn[t.EmployeeID] = t.ToUnit
		}
	}
	companies := map[string]string{}
	for _, person := range snap.People() {
		unit, moved := unitOn[person.EmployeeID]
		if !moved {
			unit = person.Unit
		}
		c, ok := unitCompany[unit]
		if !ok {
			c = person.Company
		}
		companies[person.EmployeeID] = c
	}
	companyOf := func(owner string) (string, bool) {
		c, ok := companies[owner]
		return c, ok
	}
	for _, sys := range snap.Systems() {
		if len(sys.ConfidentialTo) == 0 {
			continue
		}
		people := map[string]map[string]bool{} // company → holders
		for _, a := range snap.AccountsOf(sys.ID) {
			if a.Status != "active" || len(a.Grants) == 0 {
				continue
			}
			company, who := "", a.Key
			if a.Owner != "" {
				if c, known := companyOf(a.Owner); known {
					company, who = c, a.Owner
				}
			}
			if people[company] == nil {
				people[company] = map[string]bool{}
			}
			people[company][who] = true
		}
		for _, c := range slices.Sorted(maps.Keys(people)) {
			p.Inventory = append(p.Inventory, InventoryRow{System: sys.ID, Company: c, People: len(people[c])})
		}
	}
}

// Finding is a rule finding that calls for no action, only attention.
type Finding struct {
	Rule        string `json:"rule"`
	Severity    string `json:"severity"`
	Person      string `json:"person"`
	PersonName  string `json:"person_name,omitempty"`
	System      string `json:"system"`
	Account     string `json:"account"`
	Entitlement string `json:"entitlement"`
	Event       string `json:"event,omitempty"`
	// Source is the source a finding is about (source.sanity).
	Source    string `json:"source,omitempty"`
	Message   string `json:"message"`
	MessageJA string `json:"message_ja,omitempty"`
}

// Action is one change the plan asks for.
type Action struct {
	ID          string   `json:"id"`
	Op          string   `json:"op"`
	System      string   `json:"system"`
	Account     string   `json:"account"`
	Entitlement string   `json:"entitlement"`
	Person      string   `json:"person"`
	PersonName  string   `json:"person_name,omitempty"`
	Effective   string   `json:"effective"`
	Phase       int      `json:"phase"`
	Rules       []string `json:"rules"`
	Severity    string   `json:"severity"`
	Reason      string   `json:"reason"`
	ReasonJA    string   `json:"reason_ja,omitempty"`
	// Via is the path a revoked right comes through (graph.Grant.Via):
	// revoking it changes that path (GitHub: removes the person from the
	// team).
	Via string `json:"via,omitempty"`
	// Through is the account a disable is carried out on instead, as
	// SYSTEM/ACCOUNT: the account this one is a synchronised copy of (an
	// Entra ID user synced from on-premises Active Directory is disabled
	// in AD; Entra ID follows at the next synchronisation).
	Through string `json:"through,omitempty"`
}

// ItemID is SPEC's SYSTEM/ACCOUNT/ENTITLEMENT (SYSTEM/ACCOUNT for an account).
func (a Action) ItemID() string {
	if a.Entitlement == "" {
		return graph.AccountKey(a.System, a.Account)
	}
	return graph.GrantKey(a.System, a.Account, a.Entitlement)
}

// NewPlan assembles a plan from policy findings: one action per grant or
// account, listing every rule that calls for it. A disabled account needs no
// separate revoke of its grants, so revokes on it are dropped.
func NewPlan(kind string, asOf graph.Date, inputs map[string]string, policyDigest string, fs []policy.Finding) *Plan {
	p := &Plan{
		FormatVersion: FormatVersion, Kind: kind, AsOf: asOf.String(),
		Inputs: inputs, PolicyDigest: policyDigest,
	}
	// Actions group the findings that call for the same op on the same
	// item: the findings in item order (which is the actions' order), each
	// item's in the order policy gave them. A disable sorts before the
	// revokes on the same account, which it makes needless.
	entitlement := func(f *policy.Finding) string {
		if f.Op == policy.OpRevoke {
			return f.Entitlement
		}
		return ""
	}
	nActs := 0
	for i := range fs {
		if fs[i].Op != policy.OpNone {
			nActs++
		}
	}
	p.Findings = make([]Finding, 0, len(fs)-nActs)
	acts := make([]*policy.Finding, 0, nActs)
	p.Actions = make([]Action, 0, nActs)
	for i := range fs {
		if f := &fs[i]; f.Op == policy.OpNone {
			p.Findings = append(p.Findings, Finding{
				Rule: f.Rule, Severity: f.Severity, Person: f.Person, System: f.System,
				Account: f.Account, Entitlement: f.Entitlement, Event: f.Event, Message: f.Message, MessageJA: f.MessageJA,
			})
		} else {
			acts = append(acts, f)
		}
	}
	slices.SortStableFunc(acts, func(a, b *policy.Finding) int {
		return policy.ComparePairs(a.System, b.System, a.Account, b.Account, a.Op, b.Op, entitlement(a), entitlement(b))
	})
	effective := asOf.String()
	var disabled *policy.Finding // the account's disable, if any
	var messages []string
	var ja map[string]string // each message's Japanese, by the English
	for i := 0; i < len(acts); {
		f := acts[i]
		if disabled == nil || disabled.System != f.System || disabled.Account != f.Account {
			disabled = nil
		}
		j := i + 1
		for j < len(acts) && acts[j].System == f.System && acts[j].Account == f.Account && acts[j].Op == f.Op && entitlement(acts[j]) == entitlement(f) {
			j++
		}
		if f.Op == policy.OpDisable {
			disabled = f
		} else if f.Op == policy.OpRevoke && disabled != nil {
			i = j
			continue
		}
		a := Action{Op: f.Op, System: f.System, Account: f.Account, Entitlement: entitlement(f), Person: f.Person, Effective: effective, Phase: 1}
		messages = messages[:0]
		translated := false
		for _, g := range acts[i:j] {
			if !slices.Contains(a.Rules, g.Rule) {
				a.Rules = append(a.Rules, g.Rule)
			}
			if !slices.Contains(messages, g.Message) {
				messages = append(messages, g.Message)
			}
			if g.MessageJA != "" {
				if !translated {
					ja, translated = map[string]string{}, true
				}
				ja[g.Message] = g.MessageJA
			}
			a.Severity = policy.MoreSevere(a.Severity, g.Severity)
		}
		sort.Strings(a.Rules)
		sort.Strings(messages)
		a.Reason = strings.Join(messages, "; ")
		if translated {
			jas := make([]string, len(messages))
			for k, m := range messages {
				if jas[k] = ja[m]; jas[k] == "" {
					jas[k] = m
				}
			}
			a.ReasonJA = strings.Join(jas, "；")
		}
		p.Actions = append(p.Actions, a)
		i = j
	}
	SortActions(p.Actions)
	sortFindings(p.Findings)
	return p
}

// SortActions orders actions by phase, system, account, op and entitlement,
// and numbers them A0001, A0002, ...
func SortActions(as []Action) {
	sortInPlace(as, func(a, b *Action) int {
		if a.Phase != b.Phase {
			return cmp.Compare(a.Phase, b.Phase)
		}
		return policy.ComparePairs(a.System, b.System, a.Account, b.Account, a.Op, b.Op, a.Entitlement, b.Entitlement)
	})
	for i := range as {
		as[i].ID = fmt.Sprintf("A%04d", i+1)
	}
}

func sortFindings(fs []Finding) {
	sortInPlace(fs, func(a, b *Finding) int {
		if sa, sb := slices.Index(policy.Severities, a.Severity), slices.Index(policy.Severities, b.Severity); sa != sb {
			return cmp.Compare(sa, sb)
		}
		return policy.ComparePairs(a.Rule, b.Rule, a.Person, b.Person, a.Event, b.Event, a.System, b.System,
			a.Account, b.Account, a.Entitlement, b.Entitlement, a.Message, b.Message)
	})
}

// sortInPlace sorts a slice of large structs by comparing pointers to them
// and moving each one once, not at every swap of the sort.
func sortInPlace[T any](xs []T, compare func(a, b *T) int) {
	sorted := true
	for i := 1; i < len(xs) && sorted; i++ {
		sorted = compare(&xs[i-1], &xs[i]) <= 0
	}
	if sorted {
		return
	}
	order := make([]*T, len(xs))
	for i := range xs {
		order[i] = &xs[i]
	}
	slices.SortFunc(order, compare)
	moved := make([]T, len(xs))
	for i, x := range order {
		moved[i] = *x
	}
	copy(xs, moved)
}

// Systems are the systems the plan's actions and findings name, sorted,
// each once (never nil: an empty list is a list).
func (p *Plan) Systems() []string {
	out := []string{}
	for _, a := range p.Actions {
		out = append(out, a.System)
	}
	for _, f := range p.Findings {
		if f.System != "" {
			out = append(out, f.System)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// AddNames fills person_name from the HR feed, for reviewers, and what
// the snapshot says of how an action is carried out: the path of a revoked
// right (via), the account a disable goes through (through).
func (p *Plan) AddNames(snap *graph.Snapshot) {
	name := func(id string) string {
		if id == "" {
			return ""
		}
		if person := snap.Person(id); person != nil {
			return person.Name
		}
		return ""
	}
	for i := range p.Findings {
		p.Findings[i].PersonName = name(p.Findings[i].Person)
	}
	for i := range p.Actions {
		a := &p.Actions[i]
		a.PersonName = name(a.Person)
		if a.Op == policy.OpDisable && a.Through == "" {
			if acct := snap.AccountOf(a.System, a.Account); acct != nil {
				a.Through = acct.SyncedFrom
			}
		}
		if a.Op == policy.OpRevoke && a.Via == "" {
			if acct := snap.AccountOf(a.System, a.Account); acct != nil {
				if g := acct.Grant(a.Entitlement); g != nil {
					a.Via = g.Via
				}
			}
		}
	}
}

// Seal stamps generated_at and computes the digest.
func (p *Plan) Seal(now time.Time) error {
	p.GeneratedAt = now.In(graph.Tokyo).Format(time.RFC3339)
	d, err := p.ComputeDigest()
	if err != nil {
		return err
	}
	p.Digest = d
	return nil
}

// ComputeDigest is "sha256:<hex>" of the plan's canonical JSON with
// generated_at and digest empty.
func (p *Plan) ComputeDigest() (string, error) {
	c := *p
	c.GeneratedAt, c.Digest = "", ""
	h := sha256.New()
	if err := writePlanJSON(h, &c, false); err != nil {
		return "", i18n.Errorf("plan: encode: %w", err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// Encode is the plan file's bytes: indented JSON and a final newline, with
// non-ASCII text (Japanese names) written as is.
func (p *Plan) Encode() ([]byte, error) {
	return planJSON(p, true), nil
}

// EncodeTo writes what Encode returns to out.
func (p *Plan) EncodeTo(out io.Writer) error {
	return writePlanJSON(out, p, true)
}

// ErrModified is returned by ReadPlan for a plan whose content does not
// match its digest.
var ErrModified = errors.New("the plan was modified after it was written")

// ReadPlan decodes a plan file and checks its format version and digest.
func ReadPlan(name string, data []byte) (*Plan, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var p Plan
	if err := dec.Decode(&p); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := position(data, se.Offset)
			return nil, i18n.Errorf("%s:%d:%d: not a plan file: %v", name, line, col, err)
		}
		return nil, i18n.Errorf("%s: not a plan file: %w", name, err)
	}
	if p.FormatVersion != FormatVersion {
		return nil, i18n.Errorf("%s: field format_version: expected %d, got %d", name, FormatVersion, p.FormatVersion)
	}
	d, err := p.ComputeDigest()
	if err != nil {
		return nil, err
	}
	if d != p.Digest {
		return nil, i18n.Errorf("%s: field digest: %w (digest %s, content %s)", name, ErrModified, p.Digest, d)
	}
	return &p, nil
}

func position(data []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < offset && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
