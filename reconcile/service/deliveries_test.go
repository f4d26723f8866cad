package service

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/fixtures/generate"
)

// TestADeliveryIsTakenOnceAcrossARestart: serve remembers the webhook
// deliveries it took in its outbox; after a restart the same delivery is a
// duplicate, and a line cut by a crash is dropped, not fatal.
func TestADeliveryIsTakenOnceAcrossARestart(t *testing.T) {
	dir := t.TempDir()
	if err := generate.Write(dir, generate.Options{People: 100, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	outbox := filepath.Join(dir, "outbox")
	start := func() (*Service, *httptest.Server) {
		svc, err := New(context.Background(), Options{Load: loader(dir), Token: []byte(token), Outbox: outbox,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Hooks: map[string]connectors.HRHook{"hr": &slowHook{}}})
		if err != nil {
			t.Fatal(err)
		}
		return svc, httptest.NewServer(svc.Handler())
	}
	post := func(srv *httptest.Server, body string) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/hooks/hr", bytes.NewReader([]byte(body)))
		req.Header.Set("X-Token", "t")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	svc, srv := start()
	if code, msg := post(srv, "delivery-1"); code != http.StatusAccepted || !strings.Contains(msg, "accepted") {
		t.Fatalf("first delivery: %d %s", code, msg)
	}
	srv.Close()
	svc.Wait()
	// A crash cut the next line half-way.
	f, _ := os.OpenFile(filepath.Join(outbox, "webhook-deliveries.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"key":"hr/delivery-`)
	f.Close()
	svc, srv = start()
	defer func() { srv.Close(); svc.Wait() }()
	if code, msg := post(srv, "delivery-1"); code != http.StatusOK || !strings.Contains(msg, "duplicate") {
		t.Errorf("the same delivery after a restart: %d %s", code, msg)
	}
	if code, msg := post(srv, "delivery-2"); code != http.StatusAccepted || !strings.Contains(msg, "accepted") {
		t.Errorf("a new delivery after a restart: %d %s", code, msg)
	}
}
