package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/connectors/smarthr/smarthrfake"
	"github.com/accessrecon/accessrecon/web/webtest"
)

// smarthrDemo is the demo with its HR feed in SmartHR: the people of
// people.csv as crews (their unit's id as the department code), read as
// hr.source with hr.history deriving transfers and leavers.
func smarthrDemo(t *testing.T) (f *smarthrfake.Fake, dir, cfg string) {
	t.Helper()
	f = smarthrfake.Start(t)
	dir = demoDir(t)
	cfg = filepath.Join(dir, "accessrecon.yaml")
	data, err := os.ReadFile(filepath.Join(dir, "people.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]*smarthrfake.EmploymentType{"employee": {ID: "t1", Name: "正社員"}, "contractor": {ID: "t2", Name: "業務委託"}}
	depts := map[string]bool{}
	for i, r := range rows[1:] { // employee_id,name,company,unit,employment,start_date,end_date,mail
		last, first, _ := strings.Cut(r[1], " ")
		c := &smarthrfake.Crew{ID: fmt.Sprintf("crew-%03d", i), EmpCode: r[0], LastName: last, FirstName: first, BusinessEmail: r[7],
			Departments: []smarthrfake.Department{{ID: "d-" + r[3], Code: r[3], Name: r[3]}}, EmploymentType: types[r[4]], EnteredAt: r[5], EmpStatus: "employed"}
		if r[6] != "" {
			end := r[6]
			c.ResignedAt, c.EmpStatus = &end, "retired"
		}
		f.Crews = append(f.Crews, c)
		if !depts[r[3]] {
			depts[r[3]] = true
			f.Depts = append(f.Depts, smarthrfake.Department{ID: "d-" + r[3], Code: r[3], Name: r[3]})
		}
	}
	f.Types = []smarthrfake.EmploymentType{*types["employee"], *types["contractor"]}
	replaceIn(t, cfg, "  people: people.csv\n  transfers: transfers.csv\n", fmt.Sprintf("  source: {type: smarthr, base_url: %q, token_env: TEST_SMARTHR_TOKEN, per_page: 20}\n  history: hr-history.json\n", f.URL))
	t.Setenv("TEST_SMARTHR_TOKEN", smarthrfake.Token)
	return f, dir, cfg
}

// TestTheHRFeedFromSmartHR: the people read from SmartHR plan as the demo's
// file does; a transfer registered in SmartHR from 託送契約窓口 to 小売営業部
// is found at the next plan (hr.history) and is a direct transfer the ban
// forbids; a wrong token plans nothing.
func TestTheHRFeedFromSmartHR(t *testing.T) {
	f, dir, cfg := smarthrDemo(t)
	f.Throttle.Store(1)
	stdout, stderr, code := runCLI(t, "validate", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "hr.source") || !strings.Contains(stdout, "50 people") {
		t.Fatalf("validate: exit %d\n%s%s", code, stdout, stderr)
	}
	plan := filepath.Join(dir, "p1.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", plan, "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	p := readPlan(t, plan)
	if _, ok := p["inputs"].(map[string]any)["hr.source"]; !ok {
		t.Errorf("the plan's inputs lack hr.source: %v", p["inputs"])
	}
	for _, fd := range p["findings"].([]any) {
		if fd.(map[string]any)["rule"] == "separation.direct_transfer_ban" {
			t.Errorf("a transfer before SmartHR recorded one: %v", fd)
		}
	}
	f.Move("E1010", smarthrfake.Department{ID: "d-HD-RETAIL", Code: "HD-RETAIL", Name: "HD-RETAIL"})
	plan = filepath.Join(dir, "p2.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-25", "--out", plan, "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	if !bannedTransfer(t, plan, "E1010") {
		t.Error("the transfer registered in SmartHR was not found to be a banned direct transfer")
	}
	t.Setenv("TEST_SMARTHR_TOKEN", "wrong")
	out := filepath.Join(dir, "p3.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-25", "--out", out, "--by", "E1001"); code == 0 || !strings.Contains(stderr, "401") || exists(out) {
		t.Errorf("a wrong token: exit %d, %s", code, stderr)
	}
}

// TestASmartHRWebhookTriggersTheTransferCheck: serve takes SmartHR's
// webhook for a crew moved from 託送契約窓口 to 小売営業部: it answers at
// once, reads the crew again from SmartHR, records the forbidden direct
// transfer and plans it into the outbox; the same delivery a hundred times
// at once is taken once; a forged copy (a wrong token) is refused and
// audited and changes nothing; an event that moves no one is ignored.
func TestASmartHRWebhookTriggersTheTransferCheck(t *testing.T) {
	f, dir, cfg := smarthrDemo(t)
	replaceIn(t, cfg, "token_env: TEST_SMARTHR_TOKEN, per_page: 20}", "token_env: TEST_SMARTHR_TOKEN, per_page: 20, webhook_token_env: TEST_SMARTHR_HOOK}")
	t.Setenv("TEST_SMARTHR_HOOK", "hook-secret-from-smarthr")
	t.Setenv("ACCESSRECON_API_TOKEN", "serve-token-for-tests-0123456789abcdef")
	l := webtest.Listen(t)
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var stderr lockedBuffer
	go func() {
		done <- run(ctx, []string{"accessrecon", "serve", "--config", cfg, "--listen", addr, "--notify-every", "0"}, io.Discard, &stderr)
	}()
	defer func() { cancel(); <-done }()
	hookURL := "http://" + addr + "/v1/hooks/hr"
	post := func(token string, body []byte) (int, string) {
		req, _ := http.NewRequest("POST", hookURL, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("X-SmartHR-Token", token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not answer:\n%s", stderr.String())
		}
	}
	f.Move("E1010", smarthrfake.Department{ID: "d-HD-RETAIL", Code: "HD-RETAIL", Name: "HD-RETAIL"})
	body := f.Webhook("crew_updated", "E1010", "2026-12-07T10:00:00+09:00")
	// Forged: the right body, the wrong token.
	if code, _ := post("guessed", body); code != http.StatusUnauthorized {
		t.Errorf("a forged webhook: %d", code)
	}
	if code, msg := post("hook-secret-from-smarthr", f.Webhook("dependent_created", "E1010", "2026-12-07T10:00:00+09:00")); code != http.StatusAccepted || !strings.Contains(msg, "ignored") {
		t.Errorf("an event that moves no one: %d %s", code, msg)
	}
	// The same delivery a hundred times at once.
	var wg sync.WaitGroup
	var accepted, duplicate atomic.Int32
	for range 100 {
		wg.Go(func() {
			switch code, msg := post("hook-secret-from-smarthr", body); {
			case code == http.StatusAccepted && strings.Contains(msg, "accepted"):
				accepted.Add(1)
			case code == http.StatusOK && strings.Contains(msg, "duplicate"):
				duplicate.Add(1)
			}
		})
	}
	wg.Wait()
	if accepted.Load() != 1 || duplicate.Load() != 99 {
		t.Errorf("100 copies of one delivery: %d accepted, %d duplicates", accepted.Load(), duplicate.Load())
	}
	var plans []string
	for deadline := time.Now().Add(20 * time.Second); len(plans) == 0 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		plans, _ = filepath.Glob(filepath.Join(dir, "outbox", "hook-hr-*[0-9a-f].json"))
	}
	if len(plans) != 1 {
		t.Fatalf("plans in the outbox: %v\n%s", plans, stderr.String())
	}
	plan, _ := os.ReadFile(plans[0])
	if !strings.Contains(string(plan), "separation.direct_transfer_ban") || !strings.Contains(string(plan), "E1010") {
		t.Errorf("the webhook's plan:\n%.1500s", plan)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	if strings.Count(string(log), `"event":"transfer_forbidden"`) != 1 || !strings.Contains(string(log), `"to_unit":"HD-RETAIL"`) ||
		strings.Count(string(log), `"event":"webhook_refused"`) != 1 {
		t.Errorf("the audit log:\n%s", log)
	}
}

// bannedTransfer reports whether the plan finds a direct transfer the ban
// forbids for the person.
func bannedTransfer(t *testing.T, plan, person string) bool {
	t.Helper()
	for _, fd := range readPlan(t, plan)["findings"].([]any) {
		if m := fd.(map[string]any); m["rule"] == "separation.direct_transfer_ban" && m["person"] == person {
			return true
		}
	}
	return false
}
