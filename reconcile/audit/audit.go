// Package audit keeps the tamper-evident audit log: JSON lines, each carrying
// the SHA-256 of the line before it (a hash chain) and of itself, so that a
// changed, removed or inserted line is found and named.
package audit

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"time"

	"github.com/accessrecon/accessrecon/i18n"
	"github.com/gofrs/flock"
)

// Event is one audit record. Fields beyond these go in Data.
type Event struct {
	Seq    int            `json:"seq"`
	At     string         `json:"at"`
	Event  string         `json:"event"` // plan, approval, refusal, action, apply
	By     string         `json:"by,omitempty"`
	Plan   string         `json:"plan,omitempty"` // the plan's digest
	Data   map[string]any `json:"data,omitempty"`
	Prev   string         `json:"prev"`   // sha256 of the previous line ("" for the first)
	Digest string         `json:"digest"` // sha256 of this line with digest ""
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

func (e *Event) seal() ([]byte, error) {
	e.Digest = ""
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	e.Digest = sum(b)
	return json.Marshal(e)
}

// Append adds an event to the log at path (created if missing), chained to
// the last line, and syncs the file. Secrets must never be put in events.
func Append(path string, e Event, now time.Time) error {
	return AppendThen(path, e, now, nil)
}

// AppendThen is Append that, while it still holds the log's lock, gives the
// log's new head to then (which keeps a checkpoint of it elsewhere).
func AppendThen(path string, e Event, now time.Time, then func(Head) error) error {
	return AppendChecked(path, e, now, nil, then)
}

// AppendChecked is AppendThen that first gives the log's head as it is to
// before, which may refuse the append (a log that goes on past its
// checkpoint was written by something else).
func AppendChecked(path string, e Event, now time.Time, before, then func(Head) error) error {
	// One writer at a time, across processes: two applies appending at
	// once would both chain to the same last line.
	lock := flock.New(path + ".lock")
	if err := lock.Lock(); err != nil {
		return i18n.Errorf("audit log %s: lock: %w", path, err)
	}
	defer lock.Unlock()
	last, seq, err := tail(path)
	if err != nil {
		return err
	}
	if before != nil {
		h := Head{Lines: seq}
		if last != nil {
			h.Hash = sum(last)
		}
		if err := before(h); err != nil {
			return err
		}
	}
	h := Head{Lines: seq}
	if last != nil {
		h.Hash = sum(last)
	}
	line, err := sealNext(&e, h, now)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return i18n.Errorf("audit log %s: %w", path, err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return i18n.Errorf("audit log %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return i18n.Errorf("audit log %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return i18n.Errorf("audit log %s: %w", path, err)
	}
	if then != nil {
		return then(Head{Lines: e.Seq, Hash: sum(line)})
	}
	return nil
}

// sealNext makes e the line after head, at now: its sequence number, the
// hash of the line before, its time and its digest.
func sealNext(e *Event, head Head, now time.Time) ([]byte, error) {
	// The data as the log reads it back (JSON objects as maps, keys sorted):
	// a struct or a typed map would be sealed in one encoding and checked in
	// another, and the chain would no longer verify.
	if e.Data != nil {
		raw, err := json.Marshal(e.Data)
		if err != nil {
			return nil, i18n.Errorf("audit: %w", err)
		}
		var data map[string]any
		if err := json.Unmarshal(raw, &data); err != nil {
			return nil, i18n.Errorf("audit: %w", err)
		}
		e.Data = data
	}
	e.Seq, e.Prev = head.Lines+1, head.Hash
	e.At = now.Format(time.RFC3339Nano)
	line, err := e.seal()
	if err != nil {
		return nil, i18n.Errorf("audit: %w", err)
	}
	return line, nil
}

// openFile opens a file log.
func openFile(path string) (*os.File, error) { return os.Open(path) }

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// tail returns the last line of the log and its sequence number.
func tail(path string) ([]byte, int, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, i18n.Errorf("audit log %s: %w", path, err)
	}
	defer f.Close()
	var last []byte
	r := bufio.NewReaderSize(f, 1<<16)
	for {
		line, err := r.ReadBytes('\n')
		if l := bytes.TrimRight(line, "\n"); len(l) > 0 {
			last = l
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, i18n.Errorf("audit log %s: %w", path, err)
		}
	}
	if last == nil {
		return nil, 0, nil
	}
	var e Event
	if err := json.Unmarshal(last, &e); err != nil {
		return nil, 0, i18n.Errorf("audit log %s: the last line is not an audit event (run `accessrecon audit verify`): %w", path, err)
	}
	return last, e.Seq, nil
}

// Verify checks every line's digest and the chain. It returns the number of
// lines checked, and an error naming the first broken line.
func Verify(r io.Reader, name string) (int, error) {
	head, err := Each(r, name, nil)
	return head.Lines, err
}

// Head is where a log ends: how many lines, and the hash of the last one
// (what the next line's prev will be).
type Head struct {
	Lines int    `json:"lines"`
	Hash  string `json:"hash"`
}

// Each is Verify that also gives each event, in order, to fn (if not nil),
// and returns the head of the log. (Event n+1's Prev is the hash of line n.)
func Each(r io.Reader, name string, fn func(Event)) (Head, error) {
	n, prev, err := each(r, name, fn)
	h := Head{Lines: n}
	if prev != nil {
		h.Hash = sum(prev)
	}
	return h, err
}

// eachLine is Each giving each verified line as it is, with its sequence
// number.
func eachLine(r io.Reader, name string, fn func(seq int, line []byte)) (Head, error) {
	n, prev, err := each(r, name, nil, fn)
	h := Head{Lines: n}
	if prev != nil {
		h.Hash = sum(prev)
	}
	return h, err
}

func each(r io.Reader, name string, fn func(Event), lineFns ...func(int, []byte)) (int, []byte, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var prev []byte
	n := 0
	for {
		raw, err := br.ReadBytes('\n')
		line := bytes.TrimRight(raw, "\n")
		if len(line) > 0 {
			n++
			var e Event
			if jerr := json.Unmarshal(line, &e); jerr != nil {
				return n - 1, prev, i18n.Errorf("%s:%d: broken: not an audit event: %v", name, n, jerr)
			}
			want := e.Digest
			if _, serr := (&e).seal(); serr != nil || e.Digest != want {
				return n - 1, prev, i18n.Errorf("%s:%d: broken: the line was changed (its digest does not match its content)", name, n)
			}
			if e.Seq != n {
				return n - 1, prev, i18n.Errorf("%s:%d: broken: sequence %d where %d was expected (a line was removed or inserted)", name, n, e.Seq, n)
			}
			wantPrev := ""
			if prev != nil {
				wantPrev = sum(prev)
			}
			if e.Prev != wantPrev {
				return n - 1, prev, i18n.Errorf("%s:%d: broken: it does not chain to line %d (a line before it was changed, removed or inserted)", name, n, n-1)
			}
			prev = append(prev[:0], line...)
			if fn != nil {
				fn(e)
			}
			for _, f := range lineFns {
				if f != nil {
					f(n, line)
				}
			}
		}
		if err == io.EOF {
			return n, prev, nil
		}
		if err != nil {
			return n, prev, i18n.Errorf("%s: %w", name, err)
		}
	}
}
