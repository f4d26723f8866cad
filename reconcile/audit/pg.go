package audit

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile/atomicfile"
	"github.com/accessrecon/accessrecon/reconcile/pgstore"
)

// With store.type postgres the audit log is the table audit_log of the
// store's database: the same lines as the file (each kept verbatim, so an
// export is byte for byte the file's format), appended one at a time under
// a transaction-level advisory lock, so that replicas writing at once chain
// one after the other and never fork the chain. Its checkpoint is the row of
// audit_checkpoint, written in the transaction of the line (signed with
// audit_key when the config names one); audit_anchor, when set, is a file
// each machine keeps of the head as it last appended, against which the log
// must go on.

var pgMigrations = []string{
	`CREATE TABLE audit_log (
		seq BIGINT PRIMARY KEY,
		line TEXT NOT NULL
	);
	CREATE TABLE audit_checkpoint (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		checkpoint TEXT NOT NULL
	);`,
}

// pgTimeout bounds one append or read of the log in PostgreSQL (Record has
// no context of its caller).
const pgTimeout = time.Minute

// pgLog is the pool of the config's database, its tables made on first use
// (kept for the life of the process, as the file log's lock is).
func pgLog(ctx context.Context, cfg *config.Config) (*sql.DB, error) {
	dsn, err := cfg.DSN()
	if err != nil {
		return nil, i18n.Errorf("audit log: store: %w", err)
	}
	return OpenPostgres(ctx, dsn)
}

// OpenPostgres makes the audit log's tables in the database of dsn when
// they are missing, once a process. The review store opens it with itself:
// an event recorded inside a decision's transaction must find its tables
// made, for making them then would wait for a second connection while the
// first holds the store's lock.
func OpenPostgres(ctx context.Context, dsn string) (*sql.DB, error) {
	db, err := pgstore.Prepared(ctx, dsn, "audit", pgMigrations)
	if err != nil {
		return nil, i18n.Errorf("audit log: %w", err)
	}
	return db, nil
}

// Name is the config's audit log as people read it: its file, or its table
// and database ("" without either).
func Name(cfg *config.Config) string {
	if cfg != nil && cfg.Store.Postgres() {
		dsn, _ := cfg.DSN()
		return "audit_log@" + pgstore.Where(dsn)
	}
	return LogPath(cfg)
}

// Keeps says whether the config keeps an audit log (on disk, or in
// PostgreSQL); the demo's embedded config keeps none.
func Keeps(cfg *config.Config) bool {
	return cfg != nil && (cfg.Store.Postgres() || LogPath(cfg) != "")
}

// pgAppend appends e in a transaction of its own (see appendIn), and
// writes the anchor file, when the config has one, after the commit.
func pgAppend(cfg *config.Config, e Event, now time.Time, before func(h Head, c *Checkpoint) error) (Head, error) {
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	db, err := pgLog(ctx, cfg)
	if err != nil {
		return Head{}, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return Head{}, i18n.Errorf("audit log: %w", err)
	}
	defer tx.Rollback()
	cp, err := appendIn(ctx, tx, cfg, e, now, before)
	if err != nil {
		return Head{}, err
	}
	if err := tx.Commit(); err != nil {
		return Head{}, i18n.Errorf("audit log: %w", err)
	}
	if cfg.AuditAnchor != "" {
		if err := atomicfile.WriteJSONFile(cfg.Resolve(cfg.AuditAnchor), cp); err != nil {
			return Head{}, i18n.Errorf("audit checkpoint: %w", err)
		}
	}
	return Head{Lines: cp.Lines, Hash: cp.Hash}, nil
}

// appendIn appends e within tx, under the log's advisory lock (held until
// tx ends): the last line read, before (may be nil) given the head and the
// checkpoint (it may refuse), the line inserted and the checkpoint
// replaced. It returns the new checkpoint.
func appendIn(ctx context.Context, tx *sql.Tx, cfg *config.Config, e Event, now time.Time, before func(h Head, c *Checkpoint) error) (Checkpoint, error) {
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", pgstore.AuditLock); err != nil {
		return Checkpoint{}, i18n.Errorf("audit log: lock: %w", err)
	}
	var h Head
	var last string
	err := tx.QueryRowContext(ctx, "SELECT seq, line FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&h.Lines, &last)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return Checkpoint{}, i18n.Errorf("audit log: %w", err)
	default:
		h.Hash = sum([]byte(last))
	}
	c, err := pgCheckpoint(ctx, tx)
	if err != nil {
		return Checkpoint{}, err
	}
	if before != nil {
		if err := before(h, c); err != nil {
			return Checkpoint{}, err
		}
	}
	line, err := sealNext(&e, h, now)
	if err != nil {
		return Checkpoint{}, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO audit_log (seq, line) VALUES ($1, $2)", e.Seq, string(line)); err != nil {
		return Checkpoint{}, i18n.Errorf("audit log: %w", err)
	}
	cp, err := newCheckpoint(cfg, "audit.jsonl", Head{Lines: e.Seq, Hash: sum(line)}, now)
	if err != nil {
		return Checkpoint{}, err
	}
	raw, err := jsonString(cp)
	if err != nil {
		return Checkpoint{}, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_checkpoint (id, checkpoint) VALUES (1, $1)
		ON CONFLICT (id) DO UPDATE SET checkpoint = excluded.checkpoint`, raw); err != nil {
		return Checkpoint{}, i18n.Errorf("audit log: checkpoint: %w", err)
	}
	return cp, nil
}

// checkedHead refuses an append to a log that does not end where its
// checkpoint says: only accessrecon appends, and a line added by hand (a
// forged plan or approval, rechained) must not be covered by the next
// checkpoint.
func checkedHead(cfg *config.Config) func(h Head, c *Checkpoint) error {
	return func(h Head, c *Checkpoint) error {
		if c == nil && h.Lines == 0 {
			return nil
		}
		if c == nil || c.Lines != h.Lines || c.Hash != h.Hash {
			recorded := 0
			if c != nil {
				recorded = c.Lines
			}
			return i18n.Errorf("audit log %s: it has %d lines where its checkpoint %s records %d: something other than accessrecon wrote it (run accessrecon audit verify); nothing is added to it", Name(cfg), h.Lines, "audit_checkpoint", recorded)
		}
		return nil
	}
}

type queryRower interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// pgCheckpoint is the checkpoint row (nil before the first line).
func pgCheckpoint(ctx context.Context, db queryRower) (*Checkpoint, error) {
	var raw string
	err := db.QueryRowContext(ctx, "SELECT checkpoint FROM audit_checkpoint WHERE id = 1").Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, i18n.Errorf("audit log: checkpoint: %w", err)
	}
	c := &Checkpoint{}
	if err := jsonUnmarshal(raw, c); err != nil {
		return nil, i18n.Errorf("audit log: checkpoint: %w", err)
	}
	return c, nil
}

// checkpointsOf are the config's checkpoints that exist: the files beside
// the config and at audit_anchor, or the row of audit_checkpoint and the
// anchor.
func checkpointsOf(ctx context.Context, cfg *config.Config) ([]*Checkpoint, error) {
	var out []*Checkpoint
	paths := CheckpointPaths(cfg)
	if cfg.Store.Postgres() {
		db, err := pgLog(ctx, cfg)
		if err != nil {
			return nil, err
		}
		c, err := pgCheckpoint(ctx, db)
		if err != nil {
			return nil, err
		}
		if c != nil {
			out = append(out, c)
		}
		paths = nil
		if cfg.AuditAnchor != "" {
			paths = []string{cfg.Resolve(cfg.AuditAnchor)}
		}
	}
	for _, p := range paths {
		c, err := ReadCheckpoint(p)
		if err != nil {
			return nil, err
		}
		if c != nil {
			out = append(out, c)
		}
	}
	return out, nil
}

// pgLines streams the log's lines in order, each ending in a newline: the
// bytes of the file log of the same events.
func pgLines(ctx context.Context, cfg *config.Config) (io.ReadCloser, error) {
	db, err := pgLog(ctx, cfg)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, "SELECT line FROM audit_log ORDER BY seq")
	if err != nil {
		return nil, i18n.Errorf("audit log: %w", err)
	}
	pr, pw := io.Pipe()
	go func() {
		defer rows.Close()
		var line string
		for rows.Next() {
			if err := rows.Scan(&line); err != nil {
				pw.CloseWithError(err)
				return
			}
			if _, err := io.WriteString(pw, line+"\n"); err != nil {
				return // the reader stopped
			}
		}
		pw.CloseWithError(rows.Err())
	}()
	return pr, nil
}

// Open gives the config's audit log to read, from its file or its table,
// with its name; a log not yet written is an error wrapping
// os.ErrNotExist for a file, and an empty log in PostgreSQL.
func Open(ctx context.Context, cfg *config.Config) (io.ReadCloser, string, error) {
	name := Name(cfg)
	if cfg.Store.Postgres() {
		r, err := pgLines(ctx, cfg)
		return r, name, err
	}
	f, err := openFile(name)
	return f, name, err
}

// VerifyConfig checks the config's audit log, wherever it is kept: the
// chain, and the checkpoints (see VerifyLog).
func VerifyConfig(ctx context.Context, cfg *config.Config, lang string) (string, error) {
	if !cfg.Store.Postgres() {
		return VerifyLog(cfg, LogPath(cfg), lang)
	}
	db, err := pgLog(ctx, cfg)
	if err != nil {
		return "", err
	}
	c, err := pgCheckpoint(ctx, db)
	if err != nil {
		return "", err
	}
	cps, names := []*Checkpoint{}, []string{}
	if c != nil {
		cps, names = append(cps, c), append(names, "audit_checkpoint")
	}
	if cfg.AuditAnchor != "" {
		a, err := ReadCheckpoint(cfg.Resolve(cfg.AuditAnchor))
		if err != nil {
			return "", err
		}
		if a != nil {
			cps, names = append(cps, a), append(names, cfg.Resolve(cfg.AuditAnchor))
		}
	}
	r, name, err := Open(ctx, cfg)
	if err != nil {
		return "", err
	}
	defer r.Close()
	report, head, err := checkAgainst(cfg, r, name, cps, names, lang)
	if err != nil {
		return "", err
	}
	if c == nil && head.Lines > 0 {
		return "", i18n.Errorf("%s: no checkpoint (audit_checkpoint): the log cannot be told from a cut or rewritten one", name)
	}
	return report, nil
}

// Export writes the config's audit log to w as the file log's lines, and
// returns its head after checking its chain.
func Export(ctx context.Context, cfg *config.Config, w io.Writer) (Head, *Checkpoint, error) {
	r, name, err := Open(ctx, cfg)
	if err != nil {
		return Head{}, nil, err
	}
	defer r.Close()
	head, err := Each(io.TeeReader(r, w), name, nil)
	if err != nil {
		return head, nil, err
	}
	var c *Checkpoint
	if cfg.Store.Postgres() {
		db, err := pgLog(ctx, cfg)
		if err != nil {
			return head, nil, err
		}
		if c, err = pgCheckpoint(ctx, db); err != nil {
			return head, nil, err
		}
	} else if cps := CheckpointPaths(cfg); len(cps) > 0 {
		if c, err = ReadCheckpoint(cps[0]); err != nil {
			return head, nil, err
		}
	}
	return head, c, nil
}

// Import appends the lines of a file log (verified first) to an empty log
// in PostgreSQL as they are, in one transaction (the one ctx carries, see
// WithTx, else one of its own), and its checkpoint as the new head's (signed
// afresh with audit_key): accessrecon store migrate.
func Import(ctx context.Context, cfg *config.Config, r io.Reader, name string, now time.Time) (Head, error) {
	db, err := pgLog(ctx, cfg)
	if err != nil {
		return Head{}, err
	}
	tx, _ := ctx.Value(txKey{}).(*sql.Tx)
	own := tx == nil
	if own {
		if tx, err = db.BeginTx(ctx, nil); err != nil {
			return Head{}, err
		}
		defer tx.Rollback()
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", pgstore.AuditLock); err != nil {
		return Head{}, err
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM audit_log").Scan(&n); err != nil {
		return Head{}, err
	}
	if n > 0 {
		return Head{}, i18n.Errorf("the audit log in PostgreSQL has %d lines already: it is copied only into an empty one", n)
	}
	var insertErr error
	var batch []any
	flush := func() {
		if len(batch) == 0 || insertErr != nil {
			return
		}
		var q strings.Builder
		q.WriteString("INSERT INTO audit_log (seq, line) VALUES ")
		for i := 0; i < len(batch); i += 2 {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString("($" + strconv.Itoa(i+1) + ",$" + strconv.Itoa(i+2) + ")")
		}
		_, insertErr = tx.ExecContext(ctx, q.String(), batch...)
		batch = batch[:0]
	}
	head, err := eachLine(r, name, func(seq int, line []byte) {
		batch = append(batch, seq, string(line))
		if len(batch) >= 1000 {
			flush()
		}
	})
	if err != nil {
		return Head{}, err
	}
	flush()
	if insertErr != nil {
		return Head{}, i18n.Errorf("audit log: %w", insertErr)
	}
	if head.Lines > 0 {
		cp, err := newCheckpoint(cfg, "audit.jsonl", head, now)
		if err != nil {
			return Head{}, err
		}
		raw, err := jsonString(cp)
		if err != nil {
			return Head{}, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_checkpoint (id, checkpoint) VALUES (1, $1)
			ON CONFLICT (id) DO UPDATE SET checkpoint = excluded.checkpoint`, raw); err != nil {
			return Head{}, err
		}
	}
	if !own {
		return head, nil
	}
	return head, tx.Commit()
}

type txKey struct{}

// WithTx is ctx carrying a transaction of the store's PostgreSQL database:
// RecordContext appends through it, so that the event commits with the
// change it records, or not at all.
func WithTx(ctx context.Context, tx *sql.Tx) context.Context {
	return context.WithValue(ctx, txKey{}, tx)
}

// RecordContext is Record within the transaction ctx carries (WithTx),
// when the config keeps its log in PostgreSQL.
func RecordContext(ctx context.Context, cfg *config.Config, e Event, now time.Time) error {
	tx, _ := ctx.Value(txKey{}).(*sql.Tx)
	if tx == nil || cfg == nil || !cfg.Store.Postgres() {
		return Record(cfg, e, now)
	}
	if _, err := pgLog(ctx, cfg); err != nil { // the tables made, outside the transaction
		return err
	}
	_, err := appendIn(ctx, tx, cfg, e, now.In(time.Local), checkedHead(cfg))
	return err
}
