// Package connectors holds the small interfaces between the outside world and
// the graph. Each source type lives in a package of its own; connectors
// translate records, they never decide policy.
package connectors

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
)

// Source pulls the accounts and grants of one configured source into the
// graph. It returns a digest of what it read, so that a plan can record the
// state it was computed from. A source that fails must return an error and
// nothing it read may be used.
type Source interface {
	Name() string
	Pull(ctx context.Context, w *graph.Writer) (digest string, err error)
}

// OwnSystemer is a Source whose accounts belong to a system of its own
// (a directory's, a GitHub organisation's) that systems.yaml need not list.
type OwnSystemer interface {
	OwnSystem() string
}

// Stager is a Source that can read before it writes: Stage starts reading,
// on goroutines of its own and apart from the graph, and returns what writes
// what was read. Loading stages every such source at once, so that on more
// than one core later sources are read while earlier ones are written.
type Stager interface {
	Source
	Stage(ctx context.Context, turns *Turns) Staged
}

// Turns orders readings ahead: each file read waits for its turn, and at
// most a few read at once, in the order they took their turns. The file the
// writer needs next is never slowed by files it needs later.
type Turns struct {
	mu    sync.Mutex
	width int
	ends  []chan struct{}
}

// NewTurns lets width readings run at once; one for each core the writer
// does not use is the most that helps.
func NewTurns(width int) *Turns { return &Turns{width: max(1, width)} }

// Turn is one reading's place in line.
type Turn struct {
	// Start is closed when the reading may start.
	Start <-chan struct{}
	// End lets the next reading start; call it once.
	End func()
}

// Take is the next turn. A nil *Turns gives turns that start at once.
func (t *Turns) Take() Turn {
	end := make(chan struct{})
	turn := Turn{End: sync.OnceFunc(func() { close(end) })}
	if t == nil {
		turn.Start = closed
		return turn
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	turn.Start = closed
	if k := len(t.ends) - t.width; k >= 0 {
		turn.Start = t.ends[k]
	}
	t.ends = append(t.ends, end)
	return turn
}

var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Staged is a source's reading under way.
type Staged interface {
	// Write adds what was read to the graph in the order it was read and
	// returns the digest of it. Its error, of reading or of writing, is the
	// one Pull would have returned.
	Write(ctx context.Context, w *graph.Writer) (digest string, err error)
	// Stop ends the reading and drops what was read; after Write it does
	// nothing.
	Stop()
}

// DigestReader hashes everything read through it.
type DigestReader struct {
	r io.Reader
	h hash.Hash
}

// NewDigestReader wraps r.
func NewDigestReader(r io.Reader) *DigestReader {
	h := sha256.New()
	return &DigestReader{r: io.TeeReader(r, h), h: h}
}

func (d *DigestReader) Read(p []byte) (int, error) { return d.r.Read(p) }

// Sum is "sha256:<hex>" of what was read so far.
func (d *DigestReader) Sum() string { return "sha256:" + hex.EncodeToString(d.h.Sum(nil)) }

// ReadFile opens name in files and calls read with a reader that hashes the
// content; it returns the digest of the whole file.
func ReadFile(files fs.FS, name string, read func(r io.Reader) error) (string, error) {
	f, err := files.Open(name)
	if err != nil {
		return "", i18n.Errorf("%s: %w", name, UnwrapPath(err))
	}
	defer f.Close()
	dr := NewDigestReader(f)
	if err := read(dr); err != nil {
		return "", err
	}
	if _, err := io.Copy(io.Discard, dr); err != nil {
		return "", i18n.Errorf("%s: read: %w", name, err)
	}
	return dr.Sum(), nil
}

// UnwrapPath drops an *fs.PathError wrapper, whose message repeats the path
// the caller names anyway, keeping the cause (fs.ErrNotExist stays visible
// to errors.Is).
func UnwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// CombineDigests is the digest of a sequence of digests (a source that reads
// several files).
func CombineDigests(ds ...string) string {
	h := sha256.New()
	for _, d := range ds {
		io.WriteString(h, d)
		io.WriteString(h, "\n")
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// ErrSourceFailed marks a source that could not be read completely; nothing
// is planned from it.
var ErrSourceFailed = errors.New("source failed")

// ErrByHand marks a change a connector cannot make that people can (a group
// its schema forbids to empty): apply turns it into a work order instead of
// a failure.
var ErrByHand = errors.New("to be done by hand")

// Change is one plan action for a connector to carry out.
type Change struct {
	Op          string // revoke, disable_account or grant
	System      string
	Account     string
	Entitlement string
	// Via is the path the right comes through (the plan action's via).
	Via string
}

// Revoker carries out plan actions on a target system. Carrying out what is
// already done succeeds.
type Revoker interface {
	Apply(ctx context.Context, c Change) error
}

// Sleep waits d, or until ctx ends (a connector waiting out a rate limit).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RetryAfter is a Retry-After header's wait (RFC 9110 §10.2.3): seconds, or
// an HTTP date; fallback when it says nothing readable.
func RetryAfter(v string, fallback time.Duration) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(t))
	}
	return fallback
}
