package notify

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile/pgstore"
	"github.com/wneessen/go-mail"
)

// With store.type postgres the queue is the table mail_outbox of the
// store's database, shared by serve's replicas: a message is queued once
// (its Message-ID the key), the cursor moves in the same transaction, and a
// sender takes one message at a time with FOR UPDATE SKIP LOCKED, holds its
// row while the mail server takes it, and marks it sent in the same
// transaction. Two senders never take the same message. "Once" with SMTP is
// at least once: a sender that dies after the server said 250 and before
// its commit leaves the message queued, and the next sender sends it again
// with the same Message-ID (mail clients and archives fold such copies);
// the window is the few milliseconds between the two.

var pgMigrations = []string{
	`CREATE TABLE mail_cursor (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		seq BIGINT NOT NULL
	);
	CREATE TABLE mail_outbox (
		id TEXT PRIMARY KEY,
		eml BYTEA NOT NULL,
		queued_at TIMESTAMPTZ NOT NULL DEFAULT now(),
		sent_at TIMESTAMPTZ,
		sent_by TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX mail_outbox_waiting ON mail_outbox (id) WHERE sent_at IS NULL;
	CREATE TABLE mail_refused (
		id TEXT PRIMARY KEY
	);`,
}

// pgQueue is the pool of the config's database, its tables made on first
// use.
func pgQueue(ctx context.Context, cfg *config.Config) (*sql.DB, error) {
	dsn, err := cfg.DSN()
	if err != nil {
		return nil, i18n.Errorf("notify: store: %w", err)
	}
	db, err := pgstore.Prepared(ctx, dsn, "notify", pgMigrations)
	if err != nil {
		return nil, i18n.Errorf("notify: %w", err)
	}
	return db, nil
}

func pgCursor(ctx context.Context, cfg *config.Config) (cursor, error) {
	var c cursor
	db, err := pgQueue(ctx, cfg)
	if err != nil {
		return c, err
	}
	err = db.QueryRowContext(ctx, "SELECT seq FROM mail_cursor WHERE id = 1").Scan(&c.Seq)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil
	}
	return c, err
}

// pgEnqueue queues the messages not queued or sent before and moves the
// cursor, in one transaction.
func pgEnqueue(ctx context.Context, cfg *config.Config, msgs []Message, next int) error {
	db, err := pgQueue(ctx, cfg)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return i18n.Errorf("notify: %w", err)
	}
	defer tx.Rollback()
	for _, m := range msgs {
		msg, err := mailOf(cfg.Notify.From, cfg.Notify.FromName, cfg.Notify.Charset, m)
		if err != nil {
			return err
		}
		var eml bytes.Buffer
		if _, err := msg.WriteTo(&eml); err != nil {
			return i18n.Errorf("notify: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO mail_outbox (id, eml) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", m.ID, eml.Bytes()); err != nil {
			return i18n.Errorf("notify: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO mail_cursor (id, seq) VALUES (1, $1)
		ON CONFLICT (id) DO UPDATE SET seq = greatest(mail_cursor.seq, excluded.seq)`, next); err != nil {
		return i18n.Errorf("notify: %w", err)
	}
	return tx.Commit()
}

func pgNewRefusals(ctx context.Context, cfg *config.Config, refused []Refused) ([]Refused, error) {
	db, err := pgQueue(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var out []Refused
	for _, r := range refused {
		var one int
		err := db.QueryRowContext(ctx, "SELECT 1 FROM mail_refused WHERE id = $1", r.ID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			out = append(out, r)
			continue
		}
		if err != nil {
			return nil, i18n.Errorf("notify: %w", err)
		}
	}
	return out, nil
}

func pgMarkRecorded(ctx context.Context, cfg *config.Config, r Refused) error {
	db, err := pgQueue(ctx, cfg)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "INSERT INTO mail_refused (id) VALUES ($1) ON CONFLICT (id) DO NOTHING", r.ID)
	return err
}

func pgQueued(ctx context.Context, cfg *config.Config) int {
	db, err := pgQueue(ctx, cfg)
	if err != nil {
		return 0
	}
	var n int
	db.QueryRowContext(ctx, "SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL").Scan(&n)
	return n
}

// pgSend sends at most limit queued messages, each in a transaction of its
// own holding its row (another sender skips it) until the server took it
// and it is marked sent.
func pgSend(ctx context.Context, cfg *config.Config, password, sender string, limit int) (sent []Sent, failed map[string]error, err error) {
	db, err := pgQueue(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	var client *mail.Client
	failed = map[string]error{}
	skip := []string{}
	for len(sent)+len(failed) < limit {
		if err := ctx.Err(); err != nil { // stopping: the rest stays queued
			return sent, failed, i18n.Errorf("notify: %w", err)
		}
		done, err := func() (bool, error) {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return false, err
			}
			defer tx.Rollback()
			var id string
			var eml []byte
			err = tx.QueryRowContext(ctx, `SELECT id, eml FROM mail_outbox WHERE sent_at IS NULL AND NOT (id = ANY($1))
				ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`, skip).Scan(&id, &eml)
			if errors.Is(err, sql.ErrNoRows) {
				return true, nil
			}
			if err != nil {
				return false, err
			}
			msg, err := mail.EMLToMsgFromReader(bufio.NewReader(bytes.NewReader(eml)))
			if err != nil {
				failed[id], skip = i18n.Errorf("notify: %s: %w", id, err), append(skip, id)
				return false, nil
			}
			if client == nil {
				if client, err = dial(cfg.Notify.SMTP, password); err != nil {
					return false, err
				}
			}
			if err := sendWithRetries(ctx, client, msg); err != nil {
				failed[id], skip = err, append(skip, id)
				return false, nil
			}
			if _, err := tx.ExecContext(ctx, "UPDATE mail_outbox SET sent_at = now(), sent_by = $2 WHERE id = $1", id, sender); err != nil {
				return false, err
			}
			if err := tx.Commit(); err != nil {
				return false, err
			}
			to := ""
			if rcpts, err := msg.GetRecipients(); err == nil && len(rcpts) > 0 {
				to = rcpts[0]
			}
			sent = append(sent, Sent{ID: id, To: to})
			return false, nil
		}()
		if err != nil {
			return sent, failed, i18n.Errorf("notify: %w", err)
		}
		if done {
			break
		}
	}
	return sent, failed, nil
}
