package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/web/webtest"
)

// lockedBuffer is a buffer two goroutines may use.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestTheTrialStartsWithOneCommand: accessrecon demo --serve serves the
// reviewer pages on the demo data, with a plan waiting for approval and a
// campaign opened; it says where and who to sign in as, in Japanese; a
// person signs in at its OpenID provider with what it printed and sees
// the plan; it refuses to listen beyond this computer.
func TestTheTrialStartsWithOneCommand(t *testing.T) {
	if _, stderr, code := runCLI(t, "demo", "--serve", "--listen", "0.0.0.0:18081", "--dir", t.TempDir()); code == 0 || !strings.Contains(stderr, "the trial serves this computer only") {
		t.Errorf("--listen 0.0.0.0: exit %d, %s", code, stderr)
	}
	l := webtest.Listen(t)
	addr := l.Addr().String()
	l.Close()
	base := "http://" + addr
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"accessrecon", "demo", "--serve", "--listen", addr, "--dir", dir, "--lang", "ja"}, &out, &errb)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the trial ended with %v\n%s", err, errb.String())
		}
	}()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var resp *http.Response
	var err error
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err = noRedirect.Get(base + "/auth/login"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the trial did not answer: %v\n%s%s", err, out.String(), errb.String())
		}
	}
	for _, want := range []string{"試用の確認画面: " + base, "e1002 / pw-e1002", "鈴木 美咲", "計画を承認する", filepath.Join(dir, "outbox", "demo-plan.json")} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the trial's instructions lack %q:\n%s", want, out.String())
		}
	}
	provider, _ := url.Parse(resp.Header.Get("Location"))
	if provider == nil || provider.Hostname() != "127.0.0.1" {
		t.Fatalf("sign-in goes to %q", resp.Header.Get("Location"))
	}
	// Signed in as the approver it names, with the password it printed.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err = browser.Get(base + "/auth/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = browser.PostForm(provider.Scheme+"://"+provider.Host+"/login/username", url.Values{"id": {resp.Request.URL.Query().Get("authRequestID")}, "username": {"e1002"}, "password": {"pw-e1002"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest("GET", base+"/plans", nil)
	req.Header.Set("Accept-Language", "ja")
	resp, err = browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "demo-plan.json") || !strings.Contains(string(page), "佐藤 翔太") {
		t.Errorf("the plans page as 鈴木 美咲: %d\n%s", resp.StatusCode, page)
	}
	// The campaign it opened is there for its reviewers.
	req, _ = http.NewRequest("GET", base+"/campaigns/trial-monthly/progress", nil)
	req.Header.Set("Accept-Language", "ja")
	if resp, err = browser.Do(req); err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "trial-monthly") {
		t.Errorf("the campaign's progress: %d\n%.2000s", resp.StatusCode, page)
	}
}
