package service

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile/atomicfile"
)

// keepDeliveries is how long a webhook delivery's key is remembered: the
// services retry a delivery for hours at most.
const keepDeliveries = 30 * 24 * time.Hour

// deliveries are the webhook deliveries taken, by service and key. With a
// file (webhook-deliveries.jsonl in the outbox) each is written and synced
// before it is taken, so that a delivery sent again after a restart is
// still taken once; keys older than keepDeliveries are dropped when serve
// starts.
type deliveries struct {
	mu   sync.Mutex
	seen map[string]time.Time
	path string
	f    *os.File
}

type deliveryLine struct {
	Key string    `json:"key"`
	At  time.Time `json:"at"`
}

func openDeliveries(dir string, now time.Time) (*deliveries, error) {
	d := &deliveries{seen: map[string]time.Time{}}
	if dir == "" {
		return d, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	d.path = filepath.Join(dir, "webhook-deliveries.jsonl")
	dropped := 0
	if f, err := os.Open(d.path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var l deliveryLine
			if json.Unmarshal(sc.Bytes(), &l) != nil || l.Key == "" {
				dropped++ // a line cut by a crash: its delivery was never answered
				continue
			}
			if now.Sub(l.At) > keepDeliveries {
				dropped++
				continue
			}
			d.seen[l.Key] = l.At
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, i18n.Errorf("%s: %w", d.path, err)
		}
	} else if !os.IsNotExist(err) {
		return nil, i18n.Errorf("%s: %w", d.path, err)
	}
	if dropped > 0 {
		if err := d.rewrite(); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(d.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, i18n.Errorf("%s: %w", d.path, err)
	}
	d.f = f
	return d, nil
}

// rewrite writes the keys kept, whole or not at all.
func (d *deliveries) rewrite() error {
	return atomicfile.WriteFileAtomicWith(d.path, func(w io.Writer) error {
		for k, at := range d.seen {
			b, _ := json.Marshal(deliveryLine{k, at})
			if _, err := w.Write(append(b, '\n')); err != nil {
				return err
			}
		}
		return nil
	})
}

// take reports whether the delivery is new, and remembers it; a delivery
// that cannot be remembered is an error (the service sends it again).
func (d *deliveries) take(key string, now time.Time) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.seen[key]; ok {
		return false, nil
	}
	if d.f != nil {
		b, _ := json.Marshal(deliveryLine{key, now})
		if _, err := d.f.Write(append(b, '\n')); err != nil {
			return false, err
		}
		if err := d.f.Sync(); err != nil {
			return false, err
		}
	}
	d.seen[key] = now
	return true, nil
}

func (d *deliveries) close() {
	if d.f != nil {
		d.f.Close()
	}
}
