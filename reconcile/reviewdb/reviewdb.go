// Package reviewdb is the review store: certification campaigns with their
// stages, items, decisions and delegations, the reviewers' web sessions, and
// the decisions taken on plans in the browser. It is one SQLite file (pure Go,
// modernc.org/sqlite) in WAL mode beside the config, shared by `serve` and the
// CLI (`certify open/close`), so that a campaign can mix reviewers in the
// browser and reviewers returning worksheets, and many reviewers can decide at
// once: every decision is one short transaction that checks the item is
// still open at its stage for that reviewer, so none is lost and none
// counted twice.
package reviewdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/pgstore"
	"github.com/accessrecon/accessrecon/reconcile/risk"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// DefaultFile is the store's name beside the config.
const DefaultFile = "review.db"

// migrations are applied in order; PRAGMA user_version counts those done.
// Append only: a released migration is never changed.
var migrations = []string{
	`CREATE TABLE campaigns (
		id TEXT PRIMARY KEY,
		title TEXT NOT NULL DEFAULT '',
		template TEXT NOT NULL DEFAULT '',
		as_of TEXT NOT NULL,
		created_at TEXT NOT NULL,
		created_by TEXT NOT NULL DEFAULT '',
		dir TEXT NOT NULL DEFAULT '',
		unreviewed TEXT NOT NULL DEFAULT 'revoke',
		closed_at TEXT NOT NULL DEFAULT ''
	);
	CREATE TABLE stages (
		campaign_id TEXT NOT NULL REFERENCES campaigns(id),
		n INTEGER NOT NULL,
		name TEXT NOT NULL,
		reviewers TEXT NOT NULL,
		due TEXT NOT NULL DEFAULT '',
		ended INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (campaign_id, n)
	);
	CREATE TABLE items (
		campaign_id TEXT NOT NULL,
		item_id TEXT NOT NULL,
		system TEXT NOT NULL,
		system_name TEXT NOT NULL DEFAULT '',
		account TEXT NOT NULL,
		entitlement TEXT NOT NULL,
		person TEXT NOT NULL DEFAULT '',
		person_name TEXT NOT NULL DEFAULT '',
		unit TEXT NOT NULL DEFAULT '',
		company TEXT NOT NULL DEFAULT '',
		reviewer_unit TEXT NOT NULL,
		manager TEXT NOT NULL DEFAULT '',
		policy_flag TEXT NOT NULL DEFAULT '',
		last_used TEXT NOT NULL DEFAULT '',
		peers_with INTEGER NOT NULL DEFAULT 0,
		peers_total INTEGER NOT NULL DEFAULT 0,
		stage INTEGER NOT NULL,
		assignee TEXT NOT NULL,
		status TEXT NOT NULL DEFAULT 'open',
		PRIMARY KEY (campaign_id, item_id)
	) WITHOUT ROWID;
	CREATE INDEX items_work ON items (campaign_id, assignee, status, item_id, person, system);
	CREATE TABLE decisions (
		campaign_id TEXT NOT NULL,
		item_id TEXT NOT NULL,
		stage INTEGER NOT NULL,
		decision TEXT NOT NULL,
		reason TEXT NOT NULL DEFAULT '',
		reviewer TEXT NOT NULL,
		issuer TEXT NOT NULL DEFAULT '',
		subject TEXT NOT NULL DEFAULT '',
		at TEXT NOT NULL,
		source TEXT NOT NULL,
		PRIMARY KEY (campaign_id, item_id, stage)
	) WITHOUT ROWID;
	CREATE TABLE delegations (
		campaign_id TEXT NOT NULL,
		from_person TEXT NOT NULL,
		from_unit TEXT NOT NULL,
		to_person TEXT NOT NULL,
		at TEXT NOT NULL,
		PRIMARY KEY (campaign_id, from_person)
	);
	CREATE TABLE sessions (
		id TEXT PRIMARY KEY,
		employee_id TEXT NOT NULL,
		issuer TEXT NOT NULL,
		subject TEXT NOT NULL,
		created_at TEXT NOT NULL,
		expires_at TEXT NOT NULL
	);
	CREATE TABLE plan_decisions (
		plan_digest TEXT NOT NULL,
		plan_file TEXT NOT NULL,
		decision TEXT NOT NULL,
		by TEXT NOT NULL,
		issuer TEXT NOT NULL,
		subject TEXT NOT NULL,
		comment TEXT NOT NULL DEFAULT '',
		at TEXT NOT NULL
	);
	CREATE TABLE sole_members (
		campaign_id TEXT NOT NULL,
		unit TEXT NOT NULL,
		person TEXT NOT NULL,
		PRIMARY KEY (campaign_id, unit)
	);`,
	// Close is one transaction that happens once: who closed, with which
	// default for the unreviewed, why when forced early, and the plan.
	`ALTER TABLE campaigns ADD COLUMN closed_by TEXT NOT NULL DEFAULT '';
	ALTER TABLE campaigns ADD COLUMN close_unreviewed TEXT NOT NULL DEFAULT '';
	ALTER TABLE campaigns ADD COLUMN close_forced TEXT NOT NULL DEFAULT '';
	ALTER TABLE campaigns ADD COLUMN close_plan TEXT NOT NULL DEFAULT '';
	ALTER TABLE campaigns ADD COLUMN escalation TEXT NOT NULL DEFAULT '';`,
	// A campaign's holders and systems are kept once, not once an item.
	`CREATE TABLE holders (
		campaign_id TEXT NOT NULL,
		holder TEXT NOT NULL,
		holder_name TEXT NOT NULL DEFAULT '',
		holder_unit TEXT NOT NULL DEFAULT '',
		holder_company TEXT NOT NULL DEFAULT '',
		holder_manager TEXT NOT NULL DEFAULT '',
		unit_size INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (campaign_id, holder)
	) WITHOUT ROWID;
	CREATE TABLE campaign_systems (
		campaign_id TEXT NOT NULL,
		sys TEXT NOT NULL,
		sys_name TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (campaign_id, sys)
	) WITHOUT ROWID;
	INSERT INTO holders SELECT campaign_id, person, max(person_name), max(unit), max(company), max(manager), max(peers_total)
		FROM items WHERE person != '' GROUP BY campaign_id, person;
	INSERT INTO campaign_systems SELECT campaign_id, system, max(system_name) FROM items GROUP BY campaign_id, system;
	ALTER TABLE items DROP COLUMN system_name;
	ALTER TABLE items DROP COLUMN person_name;
	ALTER TABLE items DROP COLUMN unit;
	ALTER TABLE items DROP COLUMN company;
	ALTER TABLE items DROP COLUMN manager;
	ALTER TABLE items DROP COLUMN peers_total;`,
	// Plan decisions in the order they were taken, in a column both
	// engines have (PostgreSQL has no rowid).
	`ALTER TABLE plan_decisions ADD COLUMN n INTEGER NOT NULL DEFAULT 0;
	UPDATE plan_decisions SET n = rowid;
	CREATE TRIGGER plan_decisions_n AFTER INSERT ON plan_decisions BEGIN
		UPDATE plan_decisions SET n = new.rowid WHERE rowid = new.rowid;
	END;`,
	// Each item's risk score and its reasons.
	`ALTER TABLE items ADD COLUMN score INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE items ADD COLUMN reasons TEXT NOT NULL DEFAULT '';`,
}

// pgMigrations are the store's schema on PostgreSQL, versioned on their own
// (the table schema_versions, component review): the first is the SQLite
// schema as its migrations left it. Append only.
var pgMigrations = []string{
	`CREATE TABLE campaigns (
		id TEXT PRIMARY KEY,
		title TEXT NOT NULL DEFAULT '',
		template TEXT NOT NULL DEFAULT '',
		as_of TEXT NOT NULL,
		created_at TEXT NOT NULL,
		created_by TEXT NOT NULL DEFAULT '',
		dir TEXT NOT NULL DEFAULT '',
		unreviewed TEXT NOT NULL DEFAULT 'revoke',
		closed_at TEXT NOT NULL DEFAULT '',
		closed_by TEXT NOT NULL DEFAULT '',
		close_unreviewed TEXT NOT NULL DEFAULT '',
		close_forced TEXT NOT NULL DEFAULT '',
		close_plan TEXT NOT NULL DEFAULT '',
		escalation TEXT NOT NULL DEFAULT ''
	);
	CREATE TABLE stages (
		campaign_id TEXT NOT NULL REFERENCES campaigns(id),
		n INTEGER NOT NULL,
		name TEXT NOT NULL,
		reviewers TEXT NOT NULL,
		due TEXT NOT NULL DEFAULT '',
		ended INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (campaign_id, n)
	);
	CREATE TABLE items (
		campaign_id TEXT NOT NULL,
		item_id TEXT NOT NULL,
		system TEXT NOT NULL,
		account TEXT NOT NULL,
		entitlement TEXT NOT NULL,
		person TEXT NOT NULL DEFAULT '',
		reviewer_unit TEXT NOT NULL,
		policy_flag TEXT NOT NULL DEFAULT '',
		last_used TEXT NOT NULL DEFAULT '',
		peers_with INTEGER NOT NULL DEFAULT 0,
		stage INTEGER NOT NULL,
		assignee TEXT NOT NULL,
		status TEXT NOT NULL DEFAULT 'open',
		PRIMARY KEY (campaign_id, item_id)
	);
	CREATE INDEX items_work ON items (campaign_id, assignee, status, item_id, person, system);
	CREATE TABLE decisions (
		campaign_id TEXT NOT NULL,
		item_id TEXT NOT NULL,
		stage INTEGER NOT NULL,
		decision TEXT NOT NULL,
		reason TEXT NOT NULL DEFAULT '',
		reviewer TEXT NOT NULL,
		issuer TEXT NOT NULL DEFAULT '',
		subject TEXT NOT NULL DEFAULT '',
		at TEXT NOT NULL,
		source TEXT NOT NULL,
		PRIMARY KEY (campaign_id, item_id, stage)
	);
	CREATE TABLE delegations (
		campaign_id TEXT NOT NULL,
		from_person TEXT NOT NULL,
		from_unit TEXT NOT NULL,
		to_person TEXT NOT NULL,
		at TEXT NOT NULL,
		PRIMARY KEY (campaign_id, from_person)
	);
	CREATE TABLE sessions (
		id TEXT PRIMARY KEY,
		employee_id TEXT NOT NULL,
		issuer TEXT NOT NULL,
		subject TEXT NOT NULL,
		created_at TEXT NOT NULL,
		expires_at TEXT NOT NULL
	);
	CREATE TABLE plan_decisions (
		plan_digest TEXT NOT NULL,
		plan_file TEXT NOT NULL,
		decision TEXT NOT NULL,
		by TEXT NOT NULL,
		issuer TEXT NOT NULL,
		subject TEXT NOT NULL,
		comment TEXT NOT NULL DEFAULT '',
		at TEXT NOT NULL,
		n BIGSERIAL
	);
	CREATE TABLE sole_members (
		campaign_id TEXT NOT NULL,
		unit TEXT NOT NULL,
		person TEXT NOT NULL,
		PRIMARY KEY (campaign_id, unit)
	);
	CREATE TABLE holders (
		campaign_id TEXT NOT NULL,
		holder TEXT NOT NULL,
		holder_name TEXT NOT NULL DEFAULT '',
		holder_unit TEXT NOT NULL DEFAULT '',
		holder_company TEXT NOT NULL DEFAULT '',
		holder_manager TEXT NOT NULL DEFAULT '',
		unit_size INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (campaign_id, holder)
	);
	CREATE TABLE campaign_systems (
		campaign_id TEXT NOT NULL,
		sys TEXT NOT NULL,
		sys_name TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (campaign_id, sys)
	);`,
	// Each item's risk score and its reasons.
	`ALTER TABLE items ADD COLUMN score INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE items ADD COLUMN reasons TEXT NOT NULL DEFAULT '';`,
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// Store is an open review store.
type Store struct {
	db *pool
	// Path is the SQLite file, or the PostgreSQL server and database (never
	// the connection string, which may hold a password).
	Path string
	// Now is the clock (time.Now unless a test sets it).
	Now     func() time.Time
	release func() error
}

// Open opens (creating it when missing) the store at path and brings its
// schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	// busy_timeout: writers wait for each other instead of failing;
	// _txlock=immediate: a transaction takes the write lock when it begins,
	// so two read-then-write transactions never deadlock into SQLITE_BUSY.
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=busy_timeout(20000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, i18n.Errorf("review store %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	s := &Store{db: &pool{DB: db}, Path: path, Now: time.Now, release: db.Close}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, i18n.Errorf("review store %s: %w", path, err)
	}
	return s, nil
}

// OpenPostgres opens the store in the PostgreSQL database of dsn, bringing
// its schema up to date (under an advisory lock: replicas starting at once
// wait for each other).
func OpenPostgres(ctx context.Context, dsn string) (*Store, error) {
	where := pgstore.Where(dsn)
	db, release, err := pgstore.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := pgstore.Migrate(ctx, db, "review", pgMigrations); err != nil {
		release()
		return nil, i18n.Errorf("review store %s: %w", where, err)
	}
	if _, err := audit.OpenPostgres(ctx, dsn); err != nil {
		release()
		return nil, err
	}
	return &Store{db: &pool{DB: db, pg: true}, Path: where, Now: time.Now, release: release}, nil
}

// OpenConfig opens the config's store: PostgreSQL (store.type postgres) or
// the SQLite file review.store.
func OpenConfig(ctx context.Context, cfg *config.Config) (*Store, error) {
	if cfg.Store.Postgres() {
		dsn, err := cfg.DSN()
		if err != nil {
			return nil, i18n.Errorf("store: %w", err)
		}
		return OpenPostgres(ctx, dsn)
	}
	return Open(ctx, cfg.Resolve(cfg.Review.Store))
}

// Postgres reports whether the store is in PostgreSQL.
func (s *Store) Postgres() bool { return s.db.pg }

// Ping says whether the store answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Close closes the store.
func (s *Store) Close() error { return s.release() }

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version > len(migrations) {
		return i18n.Errorf("the store's schema is version %d, newer than this accessrecon knows (%d): use a newer accessrecon", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
		return err
	}
	return tx.Commit()
}

// now is the time of a record, in Asia/Tokyo as everything people read.
func (s *Store) now() string { return s.Now().In(graph.Tokyo).Format(time.RFC3339) }

// Decisions an item can get.
const (
	Keep   = "keep"
	Revoke = "revoke"
)

// Item statuses.
const (
	StatusOpen    = "open"
	StatusKept    = "kept"
	StatusRevoked = "revoked"
)

// Reviewer kinds of a stage.
const (
	ByOwnerUnit = "owner_unit" // the reviewers of the system's owner unit
	ByManager   = "manager"    // the holder's manager (people.csv manager)
	UnitPrefix  = "unit:"      // unit:CODE, e.g. a compliance unit
)

// Stage is one stage of a campaign.
type Stage struct {
	N         int    `json:"n"`
	Name      string `json:"name"`
	Reviewers string `json:"reviewers"` // owner_unit, manager or unit:CODE
	Due       string `json:"due"`
	Ended     bool   `json:"ended"`
}

// CheckReviewers refuses a stage's reviewers that are none of the kinds.
func CheckReviewers(r string) error {
	if r == ByOwnerUnit || r == ByManager || strings.HasPrefix(r, UnitPrefix) && len(r) > len(UnitPrefix) {
		return nil
	}
	return i18n.Errorf("stage reviewers %q: expected owner_unit, manager or unit:CODE", r)
}

// Campaign is a campaign as the store keeps it.
type Campaign struct {
	ID         string
	Title      string
	Template   string
	AsOf       string
	CreatedAt  string
	CreatedBy  string
	Dir        string
	Unreviewed string // revoke (default deny) or keep
	ClosedAt   string
	// ClosedBy is who closed it; CloseUnreviewed what its unreviewed items
	// became; CloseForced the reason given for closing before its last
	// stage ended ("" when it was not forced); ClosePlan the plan's digest.
	ClosedBy, CloseUnreviewed, CloseForced, ClosePlan string
	// Escalation reviews the items nobody else could (unit:CODE or
	// person:ID; "" for none).
	Escalation string
	// Escalated and Unreviewable are what CreateCampaign routed: items
	// whose only reviewer at every stage is their holder, sent to the
	// escalation or the holder's manager, or left with nobody to decide
	// them (their stage's default rules them).
	Escalated, Unreviewable []string
	Stages                  []Stage
	// Sole names, for a reviewer unit with a single active person, that
	// person: an item about their own right skips that unit's stage.
	Sole map[string]string
}

// Item is one right under review.
type Item struct {
	ItemID       string
	System       string
	SystemName   string
	Account      string
	Entitlement  string
	Person       string
	PersonName   string
	Unit         string
	Company      string
	ReviewerUnit string
	Manager      string
	PolicyFlag   string // rule ids calling for removal, space-separated
	LastUsed     string // RFC 3339, "never", or "" without logs
	PeersWith    int    // people of the holder's unit holding the same right
	PeersTotal   int    // people of the holder's unit
	Stage        int
	Assignee     string
	Status       string
	// Score is the risk score, Reasons its factors (kept as JSON, read
	// when shown: RiskReasons).
	Score      int
	Reasons    []risk.Reason
	reasonsRaw string
}

// RiskReasons are the item's risk factors, as registered.
func (it Item) RiskReasons() []risk.Reason {
	if it.Reasons != nil || it.reasonsRaw == "" {
		return it.Reasons
	}
	var rs []risk.Reason
	json.Unmarshal([]byte(it.reasonsRaw), &rs)
	return rs
}

// assignee is who reviews an item at a stage: unit:CODE or person:ID.
func assignee(st Stage, it *Item) string {
	switch {
	case st.Reviewers == ByManager && it.Manager != "":
		return "person:" + it.Manager
	case strings.HasPrefix(st.Reviewers, UnitPrefix):
		return st.Reviewers
	default:
		return UnitPrefix + it.ReviewerUnit
	}
}

// firstStage is the first stage from stage from on whose reviewers include
// someone other than the holder (an item about a manager's own right skips
// the manager stage; one about the only person of a reviewer unit skips
// that unit's stage), or 0 for none.
func firstStage(c *Campaign, from int, it *Item) (int, string) {
	for _, st := range c.Stages {
		if st.N < from {
			continue
		}
		a := assignee(st, it)
		if a == "person:"+it.Person {
			continue
		}
		if soleHolder(c, a, it.Person) {
			continue
		}
		return st.N, a
	}
	return 0, ""
}

// soleHolder: reviewer key a is a unit whose only person is the holder.
func soleHolder(c *Campaign, a, holder string) bool {
	unit, ok := strings.CutPrefix(a, UnitPrefix)
	return ok && holder != "" && c.Sole[unit] == holder
}

// ErrExists is returned when a campaign id is taken.
var ErrExists = errors.New("a campaign with this id already exists in the review store")

// CreateCampaign records a new campaign, its stages and its items, each at
// its first stage.
func (s *Store) CreateCampaign(ctx context.Context, c *Campaign, items []Item) error {
	return s.CreateCampaignFrom(ctx, c, slices.Values(items))
}

// CreateCampaignFrom is CreateCampaign taking the items as they are made
// (in item-id order, for speed), so that a caller can make them while the
// store writes them.
func (s *Store) CreateCampaignFrom(ctx context.Context, c *Campaign, items iter.Seq[Item]) error {
	if len(c.Stages) == 0 {
		return i18n.Errorf("campaign %s: no stages", c.ID)
	}
	for i, st := range c.Stages {
		if st.N != i+1 {
			return i18n.Errorf("campaign %s: stage %d is numbered %d", c.ID, i+1, st.N)
		}
		if err := CheckReviewers(st.Reviewers); err != nil {
			return err
		}
	}
	if c.Unreviewed == "" {
		c.Unreviewed = Revoke
	}
	if c.CreatedAt == "" {
		c.CreatedAt = s.now()
	}
	// A campaign's items are written on a connection of their own with a
	// page cache large enough for the indexes being built; the connection
	// gets its usual cache back however the writing ends, before it returns
	// to the pool.
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.tune(ctx, "PRAGMA cache_size = -262144"); err != nil {
		return err
	}
	defer conn.tune(context.WithoutCancel(ctx), "PRAGMA cache_size = -2000")
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM campaigns WHERE id = ?", c.ID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return i18n.Errorf("%s: %w", c.ID, ErrExists)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO campaigns (id, title, template, as_of, created_at, created_by, dir, unreviewed, escalation) VALUES (?,?,?,?,?,?,?,?,?)`,
		c.ID, c.Title, c.Template, c.AsOf, c.CreatedAt, c.CreatedBy, c.Dir, c.Unreviewed, c.Escalation); err != nil {
		return err
	}
	for _, st := range c.Stages {
		if _, err := tx.ExecContext(ctx, `INSERT INTO stages (campaign_id, n, name, reviewers, due) VALUES (?,?,?,?,?)`, c.ID, st.N, st.Name, st.Reviewers, st.Due); err != nil {
			return err
		}
	}
	for unit, person := range c.Sole {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sole_members (campaign_id, unit, person) VALUES (?,?,?)`, c.ID, unit, person); err != nil {
			return err
		}
	}
	// A campaign's items go in as many rows a statement (fewer round trips
	// through database/sql).
	const cols, batch = 15, 64
	row := "(" + placeholders(cols) + ")"
	stmt := func(n int) string {
		return `INSERT INTO items (campaign_id, item_id, system, account, entitlement, person, reviewer_unit, policy_flag, last_used, peers_with,
		stage, assignee, status, score, reasons) VALUES ` + strings.TrimSuffix(strings.Repeat(row+",", n), ",")
	}
	full, err := tx.PrepareContext(ctx, stmt(batch))
	if err != nil {
		return err
	}
	defer full.Close()
	args := make([]any, 0, cols*batch)
	flush := func(last *Item) error {
		n := len(args) / cols
		if n == 0 {
			return nil
		}
		var err error
		if n == batch {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, stmt(n), args...)
		}
		args = args[:0]
		if err != nil {
			return i18n.Errorf("item %s: %w", last.ItemID, err)
		}
		return nil
	}
	// Each holder and system once.
	type holder struct {
		name, unit, company, manager string
		size                         int
	}
	holders := map[string]holder{}
	systems := map[string]string{}
	// The reasons of a million items are a few hundred distinct lists:
	// each encoded once.
	encoded := map[string]string{}
	encode := func(rs []risk.Reason) string {
		if len(rs) == 0 {
			return ""
		}
		k := risk.Key(rs)
		if e, ok := encoded[k]; ok {
			return e
		}
		b, _ := json.Marshal(rs)
		encoded[k] = string(b)
		return string(b)
	}
	// prep routes an item to its first stage and appends its row to dst.
	prep := func(dst []any, it *Item) []any {
		it.Stage, it.Assignee = firstStage(c, 1, it)
		it.Status = StatusOpen
		if it.Stage == 0 { // nobody a stage names but the holder could review it
			it.Stage = len(c.Stages)
			switch {
			case c.Escalation != "" && c.Escalation != "person:"+it.Person && !soleHolder(c, c.Escalation, it.Person):
				it.Assignee = c.Escalation
				c.Escalated = append(c.Escalated, it.ItemID)
			case it.Manager != "" && it.Manager != it.Person:
				it.Assignee = "person:" + it.Manager
				c.Escalated = append(c.Escalated, it.ItemID)
			default:
				it.Assignee = UnitPrefix + it.ReviewerUnit
				c.Unreviewable = append(c.Unreviewable, it.ItemID)
			}
		}
		if _, ok := holders[it.Person]; !ok && it.Person != "" {
			holders[it.Person] = holder{it.PersonName, it.Unit, it.Company, it.Manager, it.PeersTotal}
		}
		if _, ok := systems[it.System]; !ok {
			systems[it.System] = it.SystemName
		}
		return append(dst, c.ID, it.ItemID, it.System, it.Account, it.Entitlement, it.Person,
			it.ReviewerUnit, it.PolicyFlag, it.LastUsed, it.PeersWith, it.Stage, it.Assignee, it.Status, it.Score, encode(it.Reasons))
	}
	if s.db.pg {
		// PostgreSQL takes a million rows by COPY, inside the transaction,
		// in a fraction of the time of INSERTs.
		next, stop := iter.Pull(items)
		defer stop()
		buf := make([]any, 0, cols) // pgx encodes a row before it asks for the next

		err := conn.Raw(func(dc any) error {
			_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{"items"}, itemCopyColumns, pgx.CopyFromFunc(func() ([]any, error) {
				x, ok := next()
				if !ok {
					return nil, nil
				}
				buf = prep(buf[:0], &x)
				return buf, nil
			}))
			return err
		})
		if err != nil {
			return i18n.Errorf("campaign %s: %w", c.ID, err)
		}
	} else {
		var last Item
		for x := range items {
			it := &x
			args = prep(args, it)
			last = *it
			if len(args) == cols*batch {
				if err := flush(it); err != nil {
					return err
				}
			}
		}
		if err := flush(&last); err != nil {
			return err
		}
	}
	hs, err := tx.PrepareContext(ctx, `INSERT INTO holders (campaign_id, holder, holder_name, holder_unit, holder_company, holder_manager, unit_size) VALUES (?,?,?,?,?,?,?)`)
	if err != nil {
		return err
	}
	defer hs.Close()
	for _, p := range slices.Sorted(maps.Keys(holders)) {
		h := holders[p]
		if _, err := hs.ExecContext(ctx, c.ID, p, h.name, h.unit, h.company, h.manager, h.size); err != nil {
			return err
		}
	}
	for _, id := range slices.Sorted(maps.Keys(systems)) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_systems (campaign_id, sys, sys_name) VALUES (?,?,?)`, c.ID, id, systems[id]); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if s.db.pg {
		// A million rows just written: without fresh statistics PostgreSQL's
		// planner takes the table for a few pages and scans it whole for
		// every decision (50 s for a bulk decision where 0.2 s is right);
		// and until the rows are vacuumed, every first read of one checks
		// its transaction and a worklist count cannot use the index alone.
		if _, err := s.db.ExecContext(ctx, "VACUUM (ANALYZE) items, holders, campaign_systems, decisions"); err != nil {
			return err
		}
	}
	return nil
}

// Campaign reads one campaign with its stages.
func (s *Store) Campaign(ctx context.Context, id string) (*Campaign, error) {
	return s.campaign(ctx, s.db, id)
}

func (s *Store) campaign(ctx context.Context, db querier, id string) (*Campaign, error) {
	c := &Campaign{}
	err := db.QueryRowContext(ctx, `SELECT id, title, template, as_of, created_at, created_by, dir, unreviewed, closed_at,
		closed_by, close_unreviewed, close_forced, close_plan, escalation FROM campaigns WHERE id = ?`, id).
		Scan(&c.ID, &c.Title, &c.Template, &c.AsOf, &c.CreatedAt, &c.CreatedBy, &c.Dir, &c.Unreviewed, &c.ClosedAt,
			&c.ClosedBy, &c.CloseUnreviewed, &c.CloseForced, &c.ClosePlan, &c.Escalation)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, i18n.Errorf("campaign %q is not in the review store %s", id, s.Path)
	}
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT n, name, reviewers, due, ended FROM stages WHERE campaign_id = ? ORDER BY n`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var st Stage
		if err := rows.Scan(&st.N, &st.Name, &st.Reviewers, &st.Due, &st.Ended); err != nil {
			rows.Close()
			return nil, err
		}
		c.Stages = append(c.Stages, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.QueryContext(ctx, `SELECT unit, person FROM sole_members WHERE campaign_id = ?`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	c.Sole = map[string]string{}
	for rows.Next() {
		var u, p string
		if err := rows.Scan(&u, &p); err != nil {
			return nil, err
		}
		c.Sole[u] = p
	}
	return c, rows.Err()
}

// Campaigns lists the campaigns, open ones first, newest first.
func (s *Store) Campaigns(ctx context.Context) ([]Campaign, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, title, template, as_of, created_at, closed_at FROM campaigns ORDER BY closed_at != '', created_at DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Campaign
	for rows.Next() {
		var c Campaign
		if err := rows.Scan(&c.ID, &c.Title, &c.Template, &c.AsOf, &c.CreatedAt, &c.ClosedAt); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// itemCopyColumns are the columns of an item's row, for COPY.
var itemCopyColumns = []string{"campaign_id", "item_id", "system", "account", "entitlement", "person", "reviewer_unit", "policy_flag", "last_used", "peers_with",
	"stage", "assignee", "status", "score", "reasons"}

// copied are the store's tables with their columns, in the order a copy
// writes them (a campaign before what refers to it).
var copied = []struct{ table, columns string }{
	{"campaigns", "id, title, template, as_of, created_at, created_by, dir, unreviewed, closed_at, closed_by, close_unreviewed, close_forced, close_plan, escalation"},
	{"stages", "campaign_id, n, name, reviewers, due, ended"},
	{"sole_members", "campaign_id, unit, person"},
	{"holders", "campaign_id, holder, holder_name, holder_unit, holder_company, holder_manager, unit_size"},
	{"campaign_systems", "campaign_id, sys, sys_name"},
	{"items", "campaign_id, item_id, system, account, entitlement, person, reviewer_unit, policy_flag, last_used, peers_with, stage, assignee, status, score, reasons"},
	{"decisions", "campaign_id, item_id, stage, decision, reason, reviewer, issuer, subject, at, source"},
	{"delegations", "campaign_id, from_person, from_unit, to_person, at"},
	{"sessions", "id, employee_id, issuer, subject, created_at, expires_at"},
	{"plan_decisions", "plan_digest, plan_file, decision, by, issuer, subject, comment, at, n"},
}

// CopyTo copies every row of the store into dst, which must be empty, in
// one transaction of dst; then (may be nil) runs inside it, with the
// transaction in its context for the audit log (accessrecon store migrate
// copies the log in the same transaction). It returns the rows copied by
// table, counted again in dst after the commit.
func (s *Store) CopyTo(ctx context.Context, dst *Store, then func(context.Context) error) (map[string]int, error) {
	var n int
	for _, t := range []string{"campaigns", "sessions", "plan_decisions"} {
		if err := dst.db.QueryRowContext(ctx, "SELECT count(*) FROM "+t).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			return nil, i18n.Errorf("the review store %s has %d rows in %s already: it is copied only into an empty one", dst.Path, n, t)
		}
	}
	tx, err := dst.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	want := map[string]int{}
	for _, t := range copied {
		cols := strings.Count(t.columns, ",") + 1
		rows, err := s.db.QueryContext(ctx, "SELECT "+t.columns+" FROM "+t.table)
		if err != nil {
			return nil, i18n.Errorf("%s: %w", t.table, err)
		}
		var batch []any
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			row := "(" + placeholders(cols) + "),"
			_, err := tx.ExecContext(ctx, "INSERT INTO "+t.table+" ("+t.columns+") VALUES "+strings.TrimSuffix(strings.Repeat(row, len(batch)/cols), ","), batch...)
			batch = batch[:0]
			return err
		}
		for rows.Next() {
			vals := make([]any, cols)
			ptrs := make([]any, cols)
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, err
			}
			batch = append(batch, vals...)
			want[t.table]++
			if len(batch) >= 500*cols {
				if err := flush(); err != nil {
					rows.Close()
					return nil, i18n.Errorf("%s: %w", t.table, err)
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if err := flush(); err != nil {
			return nil, i18n.Errorf("%s: %w", t.table, err)
		}
	}
	if dst.db.pg {
		// The serial of plan decisions goes on after the copied ones.
		if _, err := tx.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence('plan_decisions', 'n'), greatest(coalesce(max(n), 0), 1)) FROM plan_decisions"); err != nil {
			return nil, err
		}
	}
	if then != nil {
		if err := then(tx.audited(ctx)); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	got := map[string]int{}
	for _, t := range copied {
		var n int
		if err := dst.db.QueryRowContext(ctx, "SELECT count(*) FROM "+t.table).Scan(&n); err != nil {
			return nil, err
		}
		if n != want[t.table] {
			return got, i18n.Errorf("%s: %d rows copied, %d read", t.table, n, want[t.table])
		}
		got[t.table] = n
	}
	if dst.db.pg {
		dst.db.ExecContext(ctx, "ANALYZE")
	}
	return got, nil
}
