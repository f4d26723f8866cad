package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/service"
)

// TestServeShutsDownGracefully: a request under way when SIGTERM arrives
// (the context ends) is finished, then serve returns.
func TestServeShutsDownGracefully(t *testing.T) {
	dir := demoDir(t)
	var slow atomic.Bool
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	load := func(ctx context.Context) (*reconcile.Inputs, *reconcile.Policy, error) {
		if slow.Load() {
			time.Sleep(300 * time.Millisecond)
		}
		cfg, err := config.Load(config.OSFiles{}, filepath.Join(dir, "accessrecon.yaml"))
		if err != nil {
			return nil, nil, err
		}
		return reconcile.LoadAll(ctx, cfg, policy.Bundled(), log, nil)
	}
	svc, err := service.New(context.Background(), service.Options{Load: load, Token: []byte("t0ken"), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, ln, svc.Handler(), svc, 0) }()
	slow.Store(true)
	answered := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/v1/refresh", nil)
		req.Header.Set("Authorization", "Bearer t0ken")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	if code := <-answered; code != 200 {
		t.Errorf("the request under way got %d, want 200", code)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not return after shutdown")
	}
}

func TestServeNeedsAToken(t *testing.T) {
	t.Setenv("ACCESSRECON_API_TOKEN", "")
	dir := demoDir(t)
	_, stderr, code := runCLI(t, "serve", "--config", filepath.Join(dir, "accessrecon.yaml"), "--listen", "127.0.0.1:0")
	if code != 1 || !strings.Contains(stderr, "no API token") {
		t.Fatalf("exit %d %s", code, stderr)
	}
}
