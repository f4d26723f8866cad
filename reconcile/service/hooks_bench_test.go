package service

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/fixtures/generate"
)

// slowHook is an HR service whose re-read takes 100 ms.
type slowHook struct{ looked atomic.Int32 }

func (h *slowHook) Verify(r *http.Request, _ []byte) bool { return r.Header.Get("X-Token") == "t" }
func (h *slowHook) Parse(body []byte) (string, string, bool, error) {
	return string(body), "P1", true, nil
}
func (h *slowHook) Lookup(ctx context.Context, _ string) (string, string, error) {
	time.Sleep(100 * time.Millisecond)
	h.looked.Add(1)
	return "nobody", "", nil
}

// BenchmarkHookAnswer: a webhook is answered before its person is read
// again (100 ms each here), with a warm graph of 10,000 people: p50 and p99
// of the answers. Run it alone:
//
//	go test -run '^$' -bench HookAnswer -benchtime 1000x ./reconcile/service/
func BenchmarkHookAnswer(b *testing.B) {
	dir := b.TempDir()
	if err := generate.Write(dir, generate.Options{People: 10_000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	h := &slowHook{}
	svc, err := New(context.Background(), Options{Load: loader(dir), Token: []byte(token), Outbox: filepath.Join(dir, "outbox"),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Hooks: map[string]connectors.HRHook{"hr": h}})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()
	var lat []time.Duration
	n := 0
	for b.Loop() {
		n++
		req, _ := http.NewRequest("POST", srv.URL+"/v1/hooks/hr", bytes.NewReader([]byte(fmt.Sprintf("delivery-%d", n))))
		req.Header.Set("X-Token", "t")
		start := time.Now()
		resp, err := srv.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			b.Fatalf("%d", resp.StatusCode)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	svc.Wait()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(h.looked.Load()), "re-reads")
}
