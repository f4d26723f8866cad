package pgstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"log/slog"
	"sync"
	"time"
)

// Leader is serve's leadership among the replicas of one database: the one
// holding a session-level advisory lock (LeaderLock) on a connection of its
// own runs the timers (stage ends, reminders, mail). PostgreSQL releases the
// lock when that session ends: at once when the leader's process dies (its
// socket is closed by the kernel), and when the server's TCP keepalives give
// up on a machine that vanished. The others try to take it every Every.
//
// Leadership saves work, it does not make the timers safe: every timer's
// write is a store transaction that finds its work already done when a
// former leader, not yet aware it lost the lock, did it first.
type Leader struct {
	DB    *sql.DB
	Every time.Duration
	Log   *slog.Logger

	mu   sync.Mutex
	conn *sql.Conn
	held bool
}

// NewLeader is a leadership on db, tried every every.
func NewLeader(db *sql.DB, every time.Duration, log *slog.Logger) *Leader {
	return &Leader{DB: db, Every: every, Log: log}
}

// Is says whether this process is the leader now.
func (l *Leader) Is() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.held
}

// Run holds or seeks the leadership until ctx ends, then gives it up.
func (l *Leader) Run(ctx context.Context) {
	t := time.NewTicker(l.Every)
	defer t.Stop()
	for {
		l.step(ctx)
		select {
		case <-ctx.Done():
			l.release()
			return
		case <-t.C:
		}
	}
}

// step checks the lock's session while held, and tries to take the lock
// when not.
func (l *Leader) step(ctx context.Context) {
	l.mu.Lock()
	defer l.mu.Unlock()
	probe, cancel := context.WithTimeout(ctx, l.Every)
	defer cancel()
	if l.held {
		if err := l.conn.PingContext(probe); err == nil {
			return
		} else if ctx.Err() == nil {
			l.Log.Warn("leadership lost: the session holding it broke", "error", err)
		}
		l.drop()
		return
	}
	if l.conn == nil {
		c, err := l.DB.Conn(probe)
		if err != nil {
			return
		}
		l.conn = c
	}
	var got bool
	if err := l.conn.QueryRowContext(probe, "SELECT pg_try_advisory_lock($1)", LeaderLock).Scan(&got); err != nil {
		l.drop()
		return
	}
	if got {
		l.held = true
		l.Log.Info("leader: this replica runs the timers")
	}
}

// drop forgets the session (and with it the lock, if it still had it).
func (l *Leader) drop() {
	if l.conn != nil {
		l.conn.Raw(func(any) error { return driver.ErrBadConn }) // closed, never back in the pool with a lock
		l.conn.Close()
		l.conn = nil
	}
	l.held = false
}

// release gives the leadership up at the end (another replica takes it at
// its next try).
func (l *Leader) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held && l.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		l.conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", LeaderLock)
		cancel()
	}
	l.drop()
}
