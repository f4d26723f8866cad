// Package config reads accessrecon.yaml, the file that names every input.
package config

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/input"
	"github.com/accessrecon/accessrecon/input/yamlfile"
)

// DefaultPath is the config file read when --config is not given.
const DefaultPath = "accessrecon.yaml"

// Config is accessrecon.yaml. Paths in it are relative to the config file's
// folder. A complete example:
//
//	org: org.yaml
//	hr:
//	  people: people.csv
//	  transfers: transfers.csv
//	  encoding: utf-8             # or shift_jis
//	systems: systems.yaml
//	sources:
//	  - {name: takuso, type: file, accounts: takuso-accounts.csv, grants: takuso-grants.csv}
//	emergencies: emergencies.yaml
//	exceptions: exceptions.yaml
//	access_logs: [access.csv]
//	calendar:
//	  company_holidays: ["12-29", "12-30", "12-31", "01-02", "01-03"]
//	rules:
//	  direct_transfer_ban:
//	    - from_tags: [nw-wheeling-contact, nw-grid-planning]
//	      to_tags: [hd-board, hd-retail, hd-trading, hd-generation-planning, hd-wholesale]
//	policy:
//	  extra: [policies/]
type Config struct {
	// Org is the path of org.yaml (companies and units). Required.
	Org string `yaml:"org"`
	// HR names the HR feed.
	HR HR `yaml:"hr"`
	// Systems is the path of systems.yaml. Required.
	Systems string `yaml:"systems"`
	// Sources are where accounts and grants come from, one entry per source.
	Sources []Source `yaml:"sources"`
	// Emergencies is the path of emergencies.yaml (optional).
	Emergencies string `yaml:"emergencies"`
	// Exceptions is the path of exceptions.yaml (optional).
	Exceptions string `yaml:"exceptions"`
	// Roster is the path of the roster of approved contractors (optional):
	// employee_id, system, approved_on, valid_until; CSV or XLSX.
	Roster string `yaml:"roster"`
	// Duties is the path of the separation-of-duties matrix (optional):
	// right_a, right_b (SYSTEM/ENTITLEMENT), reason, exceptions; CSV or
	// XLSX, Japanese headers (権限A, 権限B, 理由, 例外) too.
	Duties string `yaml:"duties"`
	// AccessLogs are access-log files, CSV or JSON lines (optional).
	AccessLogs []string `yaml:"access_logs"`
	// Calendar adds company holidays to the national ones.
	Calendar Calendar `yaml:"calendar"`
	// Rules are the parameters of the bundled rules.
	Rules Rules `yaml:"rules"`
	// Notify is who is told of what by mail (accessrecon notify run).
	Notify Notify `yaml:"notify"`
	// Policy adds user Rego modules.
	Policy Policy `yaml:"policy"`
	// AuditLog is the hash-chained audit log (default audit.jsonl beside
	// this file).
	AuditLog string `yaml:"audit_log"`
	// AuditAnchor is a second file, best on other storage, that keeps the
	// audit log's checkpoint (its line count and last hash) besides the one
	// beside the config (.accessrecon-audit.json).
	AuditAnchor string `yaml:"audit_anchor"`
	// AuditKey is an OpenSSH private key that signs every checkpoint;
	// AuditSigner is its principal in apply.allowed_signers, against which
	// `audit verify` checks the signature.
	AuditKey    string `yaml:"audit_key"`
	AuditSigner string `yaml:"audit_signer"`
	// Apply sets the safety limits of approve and apply.
	Apply Apply `yaml:"apply"`
	// Review is the review store, the campaign templates and the reviewers'
	// web pages of serve.
	Review Review `yaml:"review"`
	// Store is where the review store and the audit log live: sqlite (the
	// default: review.store and audit_log, files beside this one) or
	// postgres (both in one PostgreSQL database, shared by serve on
	// several machines).
	Store Store `yaml:"store"`

	// Files opens every path of the config; Dir is the config file's folder
	// within it; Path is the config file itself. Set by Load.
	Files fs.FS  `yaml:"-"`
	Dir   string `yaml:"-"`
	Path  string `yaml:"-"`
}

// HR names the HR feed files.
type HR struct {
	// People is the path of people.csv. Required.
	People string `yaml:"people"`
	// Transfers is the path of transfers.csv (optional).
	Transfers string `yaml:"transfers"`
	// Encoding of the HR files and of file sources without their own:
	// utf-8 (default) or shift_jis. A UTF-8 BOM is accepted either way.
	Encoding string `yaml:"encoding"`
	// Columns names the export's headers: header → column id, e.g.
	// {従業員コード: employee_id}, beyond the Japanese names known already.
	Columns map[string]string `yaml:"columns"`
	// Values maps a column's values: {employment: {常勤: employee}}.
	Values map[string]map[string]string `yaml:"values"`
	// Sheet is the sheet read when an HR file is an XLSX workbook; the
	// first one when empty.
	Sheet string `yaml:"sheet"`
	// History is the path of the file where accessrecon keeps the last HR
	// snapshot it planned from and the transfers and leavers it derived
	// from the differences (optional): for HR systems that export only
	// today's state. See docs/formats.md.
	History string `yaml:"history"`
	// Source is an HR service whose people are the HR feed instead of
	// people.csv (hr.source: {type: smarthr, ...}; its type reads it).
	Source *Source `yaml:"source"`
	// SeenOn is set by the command, not the file: the day a difference
	// first seen is dated when the export has no 異動日 (the plan's as-of
	// day); today when zero.
	SeenOn time.Time `yaml:"-"`
}

// Source is one source of accounts and grants: its name and type, and what
// its type reads from the rest of its entry (Spec). The source types live
// with their connectors (connectors/catalog lists them); the config only
// decodes each entry into the spec its type gives.
type Source struct {
	// Name identifies the source in plans; unique.
	Name string `yaml:"name"`
	// Type names the source type (file, ldap, ldif, github, sql, ...).
	Type string `yaml:"type"`
	// Spec is the entry decoded by the source type (a connectors.Spec).
	Spec any `yaml:"-"`

	node *yaml.Node
}

// UnmarshalYAML keeps the entry for its type to decode.
func (s *Source) UnmarshalYAML(n *yaml.Node) error {
	var head struct {
		Name string `yaml:"name"`
		Type string `yaml:"type"`
	}
	if err := n.Decode(&head); err != nil {
		return err
	}
	s.Name, s.Type, s.node = head.Name, head.Type, n
	return nil
}

// SourceTypes are the source types a program knows (connectors.Types).
type SourceTypes interface {
	// Names are the types' names.
	Names() []string
	// NewSpec is an empty spec of the named type, nil for an unknown one.
	NewSpec(name string) any
	// HRNames and NewHRSpec are the same for the types that can be the
	// HR feed (hr.source).
	HRNames() []string
	NewHRSpec(name string) any
}

// Calendar configures business days.
type Calendar struct {
	// CompanyHolidays are MM-DD (every year) or YYYY-MM-DD days off.
	CompanyHolidays []string `yaml:"company_holidays"`
	// NationalHolidays is the Cabinet Office's syukujitsu.csv (optional);
	// its days replace the built-in national holidays of the years it lists.
	NationalHolidays string `yaml:"national_holidays"`
}

// Rules are the data of the bundled rules.
type Rules struct {
	// DirectTransferBan lists the forbidden direct moves between unit tags.
	DirectTransferBan []TagPair `yaml:"direct_transfer_ban" json:"direct_transfer_ban"`
	// MFAMissing sets what identity.mfa_missing does: action "none" (a
	// finding, the default) or "disable_account".
	MFAMissing MFARule `yaml:"mfa_missing" json:"mfa_missing"`
	// StalePassword sets identity.stale_password: the most days a
	// password may go unchanged (default 365), per system if need be.
	StalePassword LimitRule `yaml:"stale_password" json:"stale_password"`
	// InactiveAccount sets usage.inactive_account: the most business days
	// an account may go without a sign-in (default 60), per system if need
	// be, and its action: disable_account (the default) or none.
	InactiveAccount LimitRule `yaml:"inactive_account" json:"inactive_account"`
}

// LimitRule is a rule's limit, for every system and per system, and, for
// a rule that may disable, its action.
type LimitRule struct {
	// Limit is max_age_days (stale_password) or business_days
	// (inactive_account); 0 turns the rule off.
	Limit   *int           `yaml:"limit" json:"limit"`
	Systems map[string]int `yaml:"systems" json:"systems,omitempty"`
	Action  string         `yaml:"action" json:"action,omitempty"`
}

// MaxLimit is the largest limit the rule has on any system.
func (r LimitRule) MaxLimit() int {
	n := 0
	if r.Limit != nil {
		n = *r.Limit
	}
	for _, v := range r.Systems {
		n = max(n, v)
	}
	return n
}

// MFARule is the setting of identity.mfa_missing.
type MFARule struct {
	Action string `yaml:"action" json:"action"`
}

// TagPair forbids a direct transfer from a unit with any FromTags to a unit
// with any ToTags.
type TagPair struct {
	FromTags []string `yaml:"from_tags" json:"from_tags"`
	ToTags   []string `yaml:"to_tags" json:"to_tags"`
}

// Apply sets the safety limits of approve, apply and plan.
//
//	apply:
//	  approvals: 1                  # approvals needed, by people other than the author
//	  mass_revocation: {min: 20, fraction: 0.05}   # refuse more than max(min, fraction × grants)
//	  source_shrink: 0.2            # a source that shrinks more than this since the last plan fails closed
//	  approvers: {units: [HD-AUDIT], tags: [compliance], ids: [E1002]}   # who may approve (default: anyone active)
//	  allowed_signers: allowed_signers   # OpenSSH allowed_signers: approvals must be signed by these keys
type Apply struct {
	Approvals int `yaml:"approvals"`
	// Approvers are who may approve plans: active people of these units, of
	// units with these tags, or with these ids. All empty: any active person
	// other than the author.
	Approvers Approvers `yaml:"approvers"`
	// AllowedSigners is an OpenSSH allowed_signers file (principal =
	// employee id). When set, every approval must carry an SSH signature of
	// the plan's digest by a key it allows for the approver.
	AllowedSigners string         `yaml:"allowed_signers"`
	MassRevocation MassRevocation `yaml:"mass_revocation"`
	SourceShrink   float64        `yaml:"source_shrink"`
}

// Notify is the mail accessrecon sends about the events of its audit log:
//
//	notify:
//	  from: accessrecon@hd.example.jp
//	  smtp: {host: mail.example.co.jp, port: 587, username: accessrecon, password_env: SMTP_PASSWORD}
//	  events:
//	    plan: {units: [HD-IT], ids: [E1002]}   # a plan waits for approval
//	    refusal: {tags: [security]}            # apply refused a plan
//	    interrupted: {tags: [security]}        # an apply stopped before the end
//	    apply: {author: true, approvers: true} # an apply ended: done, failed, work orders
type Notify struct {
	From string `yaml:"from"`
	// FromName is the sender's name people see (default accessrecon 権限照合;
	// left out with charset iso-2022-jp).
	FromName string `yaml:"from_name"`
	SMTP     SMTP   `yaml:"smtp"`
	// Events names, for each audit event, the people told of it (active
	// people of the HR feed: of these units, of units with these tags, or
	// with these ids).
	Events map[string]Recipients `yaml:"events"`
	// Queue is the folder of messages not yet sent (default notify-queue).
	Queue string `yaml:"queue"`
	// RateLimit is the most messages one run sends (default 100).
	RateLimit int `yaml:"rate_limit"`
	// Charset is utf-8 (default) or iso-2022-jp, for old mail clients in
	// Japan.
	Charset string `yaml:"charset"`
	// RemindBefore is how many business days before a campaign's due day
	// its reviewers are reminded (campaign_reminder; default 2).
	RemindBefore int `yaml:"remind_before"`
	// Templates is a folder of the deployment's own texts: <event>.txt, a
	// Go text/template whose first line is "Subject: ..." and the rest the
	// body; an event without one gets the built-in text.
	Templates string `yaml:"templates"`
}

// Recipients are who is told of an event: active people of these units, of
// units with these tags, with these ids, and, for events about a plan, its
// author and the people who approved it.
type Recipients struct {
	Approvers `yaml:",inline"`
	Author    bool `yaml:"author"`
	Approved  bool `yaml:"approvers"`
	// Reviewers (campaign events): the people of each worksheet's
	// reviewer unit, each told their unit's part.
	Reviewers bool `yaml:"reviewers"`
	// Managers (campaign_overdue): the managers (people.csv's manager
	// column) of each reviewer unit's people.
	Managers bool `yaml:"managers"`
}

// SMTP is the mail server: STARTTLS is required unless starttls says
// opportunistic (never plain text to a server that offers TLS).
type SMTP struct {
	Host         string     `yaml:"host"`
	Port         int        `yaml:"port"`
	StartTLS     string     `yaml:"starttls"` // required (default) or opportunistic
	Username     string     `yaml:"username"`
	PasswordEnv  string     `yaml:"password_env"`
	PasswordFile input.Path `yaml:"password_file"`
	CAFile       input.Path `yaml:"ca_file"`
}

// Review configures the review store, campaign templates and the reviewer
// web pages:
//
//	review:
//	  store: review.db                  # SQLite, beside this file (default)
//	  templates:
//	    monthly:                        # certify open --template monthly
//	      systems: [takuso, saiene-kaitori]   # default: the february_reset systems
//	      stages:
//	        - {name: 所管部署, reviewers: owner_unit, days: 5}   # business days after opening
//	        - {name: 上長, reviewers: manager, days: 10}
//	  web:
//	    public_url: https://accessrecon.hd.example.jp
//	    oidc: {issuer: https://login.microsoftonline.com/TENANT/v2.0, client_id: ..., client_secret_env: OIDC_SECRET, employee_claim: employee_id}
//	    signing_key: serve-key          # signs web approvals; list it in apply.allowed_signers
//	    owners: {units: [HD-AUDIT]}     # see every campaign's progress
type Review struct {
	Store     string                      `yaml:"store"`
	Templates map[string]CampaignTemplate `yaml:"templates"`
	Web       Web                         `yaml:"web"`
	// Risk sets the weights of the risk score of each item under review
	// (docs/reviewers.md, "The risk score").
	Risk Risk `yaml:"risk"`
	// Events has serve open a small review of what happened since the day
	// before, every business day from the time At (HH:MM, Tokyo; "" never):
	// certify open --template events, by serve's leader.
	Events struct {
		At string `yaml:"at"`
	} `yaml:"events"`
}

// Risk is the risk score's settings: a weight per factor (a factor left out
// keeps its default; 0 turns it off), the business days without use that
// make a right unused, the share of the holder's unit under which holding a
// right is unusual, and the score from which an item counts as high.
type Risk struct {
	Weights    map[string]int `yaml:"weights"`
	UnusedDays int            `yaml:"unused_days"`
	PeerShare  float64        `yaml:"peer_share"`
	High       int            `yaml:"high"`
}

// Store chooses the store of the review store and the audit log:
//
//	store:
//	  type: postgres                    # sqlite (default) or postgres
//	  dsn_env: ACCESSRECON_POSTGRES_DSN # the default; or dsn_file: secrets/pg.dsn
type Store struct {
	Type    string     `yaml:"type"`
	DSNEnv  string     `yaml:"dsn_env"`
	DSNFile input.Path `yaml:"dsn_file"`
}

// Postgres reports whether the config keeps its review store and audit log
// in PostgreSQL.
func (s Store) Postgres() bool { return s.Type == "postgres" }

// DSN reads the PostgreSQL connection string (a secret: it may hold a
// password) from dsn_file or the environment variable dsn_env
// (ACCESSRECON_POSTGRES_DSN).
func (c *Config) DSN() (string, error) {
	return input.Secret(c.Files, c.Store.DSNEnv, "ACCESSRECON_POSTGRES_DSN", c.Store.DSNFile)
}

// CampaignTemplate is a kind of campaign: which systems, which stages.
type CampaignTemplate struct {
	Title   string          `yaml:"title"`
	Systems []string        `yaml:"systems"`
	Stages  []TemplateStage `yaml:"stages"`
	// Unreviewed is what an item nobody decided by the end of its stage
	// becomes: revoke (default) or keep.
	Unreviewed string `yaml:"unreviewed"`
	// Escalation reviews the items nobody a stage names could (their
	// holder is the only one, and has no manager): unit:CODE or person:ID.
	Escalation string `yaml:"escalation"`
	// MinScore, when above 0, puts before the reviewers only the items whose
	// risk score is at least it (the others are counted in the campaign).
	MinScore int `yaml:"min_score"`
	// ChangedOnly puts before the reviewers only the rights that changed
	// since the template's last closed campaign (new rights, movers, rights
	// become unused, rights revoked then or never decided); the others are
	// carried with the decision that kept them (carried.csv).
	ChangedOnly bool `yaml:"changed_only"`
}

// TemplateStage is one review stage: who reviews (owner_unit: the system
// owner unit's people; manager: the holder's manager; unit:CODE), and how
// many business days after opening it is due.
type TemplateStage struct {
	Name      string `yaml:"name"`
	Reviewers string `yaml:"reviewers"`
	Days      int    `yaml:"days"`
}

// Web configures the reviewers' pages of serve.
type Web struct {
	// PublicURL is where reviewers reach serve (the OpenID redirect goes
	// to PublicURL/auth/callback). Cookies are Secure unless it is
	// http://127.0.0.1 or http://localhost.
	PublicURL string `yaml:"public_url"`
	OIDC      OIDC   `yaml:"oidc"`
	// SigningKey is an OpenSSH private key serve signs web approvals with;
	// apply accepts them when apply.allowed_signers lists its public key.
	SigningKey string `yaml:"signing_key"`
	// Owners see the progress of every campaign (default: the people
	// apply.approvers allows).
	Owners Approvers `yaml:"owners"`
	// Plans are folders whose plans are listed for approval, besides
	// serve's outbox.
	Plans []string `yaml:"plans"`
	// SessionHours is how long a sign-in lasts (default 8).
	SessionHours int `yaml:"session_hours"`
}

// OIDC is the organisation's OpenID provider.
type OIDC struct {
	Issuer           string     `yaml:"issuer"`
	ClientID         string     `yaml:"client_id"`
	ClientSecretEnv  string     `yaml:"client_secret_env"`
	ClientSecretFile input.Path `yaml:"client_secret_file"`
	Scopes           []string   `yaml:"scopes"`
	// EmployeeClaim is the ID token claim that holds the employee id
	// (default sub).
	EmployeeClaim string `yaml:"employee_claim"`
}

// Approvers select the people who may approve plans.
type Approvers struct {
	Units []string `yaml:"units"`
	Tags  []string `yaml:"tags"`
	IDs   []string `yaml:"ids"`
}

// MassRevocation is the threshold above which apply refuses a plan.
type MassRevocation struct {
	Min      int     `yaml:"min"`
	Fraction float64 `yaml:"fraction"`
}

// Policy configures user Rego modules.
type Policy struct {
	// Extra are folders of additional Rego modules, evaluated with the bundled ones.
	Extra []string `yaml:"extra"`
	// Evaluator is how the rules are evaluated: "plan" (the default: OPA's
	// plan of the query, run by package policy/vm, falling back to top-down
	// for what it does not support) or "topdown" (OPA's evaluator, as
	// `opa eval`).
	Evaluator string `yaml:"evaluator"`
}

// Evaluators are the values policy.evaluator takes.
var Evaluators = []string{"", "plan", "topdown"}

// SourceErrorf is an input error about a field of c.Sources[i] (dotted
// for a nested one, owners_from.source), naming the config file and the
// field's line.
func (c *Config) SourceErrorf(i int, field, format string, args ...any) error {
	return yamlfile.Errorf(c.Path, []int{c.sourceLine(i, field)}, 0, field, format, args...)
}

// SourceError places err, from checking or opening c.Sources[i], in the
// config: an input.FieldError at its field's line, another error at the
// source's.
func (c *Config) SourceError(i int, err error) error {
	var fe *input.FieldError
	if errors.As(err, &fe) {
		return yamlfile.Errorf(c.Path, []int{c.sourceLine(i, fe.Field)}, 0, fe.Field, "%s", fe.Msg)
	}
	return i18n.Errorf("%s:%d: source %s: %w", c.Path, c.sourceLine(i, ""), c.Sources[i].Name, err)
}

// sourceLine is the line of field (dotted) in c.Sources[i]'s entry, or of
// the entry when it has no such key.
func (c *Config) sourceLine(i int, field string) int {
	n := c.Sources[i].node
	if n == nil {
		return 0
	}
	line := n.Line
	for _, key := range strings.Split(field, ".") {
		found := false
		for j := 0; n.Kind == yaml.MappingNode && j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == key {
				line, n, found = n.Content[j].Line, n.Content[j+1], true
				break
			}
		}
		if !found {
			break
		}
	}
	return line
}

var holiday = regexp.MustCompile(`^(\d{4}-)?\d{2}-\d{2}$`)

// OSFiles opens paths of the local file system, relative to the working
// directory or absolute.
type OSFiles struct{}

// Open opens name with os.Open.
func (OSFiles) Open(name string) (fs.File, error) { return os.Open(name) }

// Glob expands a pattern with filepath.Glob (fs.GlobFS).
func (OSFiles) Glob(pattern string) ([]string, error) { return filepath.Glob(pattern) }

// Load reads the config file at path within files and checks it; each
// source's entry is decoded into the spec of its type, one of types.
func Load(files fs.FS, path string, types SourceTypes) (*Config, error) {
	f, err := files.Open(path)
	if err != nil {
		return nil, i18n.Errorf("%s: %w (give the config file with --config)", path, unwrapPath(err))
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, i18n.Errorf("%s: read: %w", path, err)
	}
	cfg := &Config{}
	if err := yamlfile.Decode(path, data, cfg); err != nil {
		return nil, err
	}
	cfg.Files, cfg.Dir, cfg.Path = files, filepath.Dir(path), path
	input.ResolvePaths(cfg, cfg.Dir)
	if cfg.AuditLog == "" {
		cfg.AuditLog = "audit.jsonl"
	}
	if cfg.Apply.Approvals == 0 {
		cfg.Apply.Approvals = 1
	}
	if cfg.Apply.MassRevocation.Min == 0 {
		cfg.Apply.MassRevocation.Min = 20
	}
	if cfg.Apply.MassRevocation.Fraction == 0 {
		cfg.Apply.MassRevocation.Fraction = 0.05
	}
	if cfg.Apply.SourceShrink == 0 {
		cfg.Apply.SourceShrink = 0.2
	}
	if cfg.Rules.DirectTransferBan == nil {
		cfg.Rules.DirectTransferBan = []TagPair{}
	}
	if err := cfg.check(data); err != nil {
		return nil, err
	}
	if err := cfg.decodeSources(types); err != nil {
		return nil, err
	}
	return cfg, nil
}

func (c *Config) check(data []byte) error {
	missing := func(field string) error {
		return input.Errorf("%s: missing required field %q", c.Path, field)
	}
	switch {
	case c.Org == "":
		return missing("org")
	case c.HR.People == "" && c.HR.Source == nil:
		return missing("hr.people")
	case c.HR.People != "" && c.HR.Source != nil:
		return input.Errorf("%s: field hr.source: expected hr.people or hr.source, not both", c.Path)
	case c.Systems == "":
		return missing("systems")
	}
	if _, err := input.NormalizeEncoding(c.HR.Encoding); err != nil {
		return i18n.Errorf("%s: field hr.encoding: %w", c.Path, err)
	}
	seen := map[string]bool{}
	for i, src := range c.Sources {
		if src.Name == "" {
			return c.SourceErrorf(i, "name", "expected a source name")
		}
		if src.Name == "hr" {
			return c.SourceErrorf(i, "name", "the name hr is the HR feed's in the source sanity check; choose another")
		}
		if seen[src.Name] {
			return c.SourceErrorf(i, "name", "source %q appears twice", src.Name)
		}
		seen[src.Name] = true
	}
	if c.Apply.Approvals < 1 || c.Apply.MassRevocation.Min < 0 || c.Apply.MassRevocation.Fraction < 0 || c.Apply.MassRevocation.Fraction > 1 || c.Apply.SourceShrink < 0 || c.Apply.SourceShrink > 1 {
		return input.Errorf("%s: field apply: expected approvals ≥ 1, mass_revocation.min ≥ 0, fractions between 0 and 1", c.Path)
	}
	if !slices.Contains(Evaluators, c.Policy.Evaluator) {
		return input.Errorf("%s: field policy.evaluator: expected plan or topdown, got %q", c.Path, c.Policy.Evaluator)
	}
	for _, h := range c.Calendar.CompanyHolidays {
		if !holiday.MatchString(h) {
			return input.Errorf("%s: field calendar.company_holidays: expected MM-DD or YYYY-MM-DD, got %q", c.Path, h)
		}
	}
	if at := c.Review.Events.At; at != "" {
		if _, err := time.Parse("15:04", at); err != nil || len(at) != 5 {
			return input.Errorf("%s: field review.events.at: expected a time HH:MM (Tokyo), got %q", c.Path, at)
		}
	}
	switch c.Store.Type {
	case "", "sqlite", "postgres":
	default:
		return input.Errorf("%s: field store.type: expected sqlite or postgres, got %q", c.Path, c.Store.Type)
	}
	if ch := strings.ToLower(c.Notify.Charset); ch != "" && ch != "utf-8" && ch != "iso-2022-jp" {
		return input.Errorf("%s: field notify.charset: expected utf-8 or iso-2022-jp, got %q", c.Path, c.Notify.Charset)
	}
	if c.Notify.FromName == "" {
		c.Notify.FromName = "accessrecon 権限照合"
	}
	if err := c.checkNotify(data); err != nil {
		return err
	}
	switch c.Rules.MFAMissing.Action {
	case "":
		c.Rules.MFAMissing.Action = "none"
	case "none", "disable_account":
	default:
		return input.Errorf("%s: field rules.mfa_missing.action: expected none or disable_account, got %q", c.Path, c.Rules.MFAMissing.Action)
	}
	for _, r := range []struct {
		name string
		rule *LimitRule
		def  int
	}{{"stale_password", &c.Rules.StalePassword, 365}, {"inactive_account", &c.Rules.InactiveAccount, 60}} {
		if r.rule.Limit == nil {
			r.rule.Limit = &r.def
		}
		if *r.rule.Limit < 0 || *r.rule.Limit > 3660 {
			return input.Errorf("%s: field rules.%s.limit: expected a number of days from 0 (off) to 3660, got %d", c.Path, r.name, *r.rule.Limit)
		}
		for sys, n := range r.rule.Systems {
			if n < 0 || n > 3660 {
				return input.Errorf("%s: field rules.%s.systems.%s: expected a number of days from 0 (off) to 3660, got %d", c.Path, r.name, sys, n)
			}
		}
	}
	switch c.Rules.InactiveAccount.Action {
	case "":
		c.Rules.InactiveAccount.Action = "disable_account"
	case "none", "disable_account":
	default:
		return input.Errorf("%s: field rules.inactive_account.action: expected none or disable_account, got %q", c.Path, c.Rules.InactiveAccount.Action)
	}
	if c.Review.Store == "" {
		c.Review.Store = "review.db"
	}
	for name, t := range c.Review.Templates {
		if len(t.Stages) == 0 {
			return input.Errorf("%s: field review.templates.%s.stages: expected at least one stage", c.Path, name)
		}
		for i, st := range t.Stages {
			r := st.Reviewers
			if r != "owner_unit" && r != "manager" && (!strings.HasPrefix(r, "unit:") || len(r) == len("unit:")) {
				return input.Errorf("%s: field review.templates.%s.stages[%d].reviewers: expected owner_unit, manager or unit:CODE, got %q", c.Path, name, i, r)
			}
			if st.Days < 0 {
				return input.Errorf("%s: field review.templates.%s.stages[%d].days: expected a number of business days ≥ 0", c.Path, name, i)
			}
		}
		if t.Unreviewed != "" && t.Unreviewed != "revoke" && t.Unreviewed != "keep" {
			return input.Errorf("%s: field review.templates.%s.unreviewed: expected revoke or keep, got %q", c.Path, name, t.Unreviewed)
		}
		if e := t.Escalation; e != "" && !(strings.HasPrefix(e, "unit:") && len(e) > len("unit:") || strings.HasPrefix(e, "person:") && len(e) > len("person:")) {
			return input.Errorf("%s: field review.templates.%s.escalation: expected unit:CODE or person:ID, got %q", c.Path, name, e)
		}
	}
	if c.Review.Web.SessionHours == 0 {
		c.Review.Web.SessionHours = 8
	}
	if c.Review.Web.OIDC.EmployeeClaim == "" {
		c.Review.Web.OIDC.EmployeeClaim = "sub"
	}
	for i, p := range c.Rules.DirectTransferBan {
		if len(p.FromTags) == 0 || len(p.ToTags) == 0 {
			return input.Errorf("%s: field rules.direct_transfer_ban[%d]: expected both from_tags and to_tags", c.Path, i)
		}
	}
	return nil
}

// OnDisk reports whether the config was read from the local file system
// (not, like the demo, from data embedded in the binary): only then are
// state files, the audit log and policy.extra folders used.
func (c *Config) OnDisk() bool {
	_, ok := c.Files.(OSFiles)
	return ok
}

// Resolve is the path of a file named in the config, within Files.
func (c *Config) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}

// decodeSources decodes each source's entry into the spec of its type,
// its paths resolved against the config's folder.
func (c *Config) decodeSources(types SourceTypes) error {
	var names []string
	if types != nil {
		names = types.Names()
	}
	if hs := c.HR.Source; hs != nil {
		var spec any
		if types != nil {
			spec = types.NewHRSpec(hs.Type)
		}
		if spec == nil {
			var names []string
			if types != nil {
				names = types.HRNames()
			}
			return yamlfile.Errorf(c.Path, []int{hs.node.Line}, 0, "hr.source.type", "expected one of %v, got %q", names, hs.Type)
		}
		if err := yamlfile.DecodeNode(c.Path, hs.node, spec, "type"); err != nil {
			return err
		}
		input.ResolvePaths(spec, c.Dir)
		hs.Spec, hs.Name = spec, "hr"
	}
	for i := range c.Sources {
		s := &c.Sources[i]
		var spec any
		if types != nil {
			spec = types.NewSpec(s.Type)
		}
		if spec == nil {
			return c.SourceErrorf(i, "type", "expected one of %v, got %q", names, s.Type)
		}
		if err := yamlfile.DecodeNode(c.Path, s.node, spec, "name", "type"); err != nil {
			return err
		}
		input.ResolvePaths(spec, c.Dir)
		s.Spec = spec
	}
	return nil
}

// unwrapPath drops an *fs.PathError wrapper, whose message repeats the
// path, keeping the cause.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
