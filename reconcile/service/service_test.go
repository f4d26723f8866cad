package service

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/connectors/catalog"
	"github.com/accessrecon/accessrecon/reconcile/inputs"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/fixtures"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
)

const token = "s3cret-token-for-the-service-tests-0123456789"

// demoCopy copies the demo data into a folder the test may break.
func demoCopy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	fs.WalkDir(fixtures.Demo, "demo", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, _ := fixtures.Demo.ReadFile(p)
		return os.WriteFile(filepath.Join(dir, filepath.Base(p)), data, 0o644)
	})
	return dir
}

func loader(dir string) Loader {
	return func(ctx context.Context) (*inputs.Inputs, *reconcile.Policy, error) {
		cfg, err := config.Load(config.OSFiles{}, filepath.Join(dir, "accessrecon.yaml"), catalog.Types)
		if err != nil {
			return nil, nil, err
		}
		return reconcile.LoadAll(ctx, cfg, policy.Bundled(), slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	}
}

func start(t *testing.T, dir string) (*Service, *httptest.Server) {
	t.Helper()
	svc, err := New(context.Background(), Options{Load: loader(dir), Token: []byte(token), Outbox: filepath.Join(dir, "outbox"),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc.Handler())
	t.Cleanup(srv.Close)
	return svc, srv
}

func call(t *testing.T, srv *httptest.Server, method, path, auth, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(data, &m)
	return resp.StatusCode, m, resp.Header
}

func TestAuthLimitsAndBadInput(t *testing.T) {
	_, srv := start(t, demoCopy(t))
	ok := `{"employee_id":"E1007","to_unit":"HD-RETAIL","effective_date":"2026-12-01"}`
	for _, tt := range []struct {
		name, auth, body string
		code             int
		errorSays        string
	}{
		{"no token", "", ok, 401, "bearer token"},
		{"wrong token", "s3cret-tokem", ok, 401, "bearer token"},
		{"too big", token, `{"employee_id":"` + strings.Repeat("x", MaxBody) + `"}`, 413, "over 1048576 bytes"},
		{"malformed JSON", token, `{"employee_id":`, 400, "malformed JSON"},
		{"unknown field", token, `{"employee_id":"E1007","to_unit":"HD-RETAIL","effective_date":"2026-12-01","colour":"red"}`, 400, `unknown field "colour"`},
		{"missing field", token, `{"employee_id":"E1007","effective_date":"2026-12-01"}`, 400, "field to_unit: required"},
		{"wrong type", token, `{"employee_id":1007,"to_unit":"HD-RETAIL","effective_date":"2026-12-01"}`, 400, "field employee_id: expected a string"},
		{"bad date", token, `{"employee_id":"E1007","to_unit":"HD-RETAIL","effective_date":"2026-13-01"}`, 400, "field effective_date: expected a date"},
		{"unknown employee", token, `{"employee_id":"E0000","to_unit":"HD-RETAIL","effective_date":"2026-12-01"}`, 422, `"E0000" is not in the people file`},
		{"unknown unit", token, `{"employee_id":"E1007","to_unit":"HD-NOPE","effective_date":"2026-12-01"}`, 422, `"HD-NOPE" is not a unit`},
		// encoding/json would take the last of two keys, and match keys
		// ignoring case: what is checked must be what was sent.
		{"a key twice", token, `{"employee_id":"E1001","employee_id":"E1007","to_unit":"HD-RETAIL","effective_date":"2026-12-01"}`, 400, `field employee_id appears twice`},
		{"a key twice in two cases", token, `{"employee_id":"E1001","Employee_ID":"E1007","to_unit":"HD-RETAIL","effective_date":"2026-12-01"}`, 400, `(as "employee_id" and "Employee_ID")`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, body, hdr := call(t, srv, "POST", "/v1/transfers/check", tt.auth, tt.body)
			if code != tt.code || !strings.Contains(body["error"].(string), tt.errorSays) {
				t.Errorf("%d %v, want %d saying %q", code, body, tt.code, tt.errorSays)
			}
			if code == 401 && hdr.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if strings.Contains(body["error"].(string), token) {
				t.Error("the token appears in an answer")
			}
		})
	}
}

func TestCheck(t *testing.T) {
	_, srv := start(t, demoCopy(t))
	code, body, _ := call(t, srv, "POST", "/v1/transfers/check", token, `{"employee_id":"E1007","to_unit":"HD-RETAIL","effective_date":"2026-12-01"}`)
	if code != 200 || body["allowed"] != false || body["from_unit"] != "NW-WHEEL-CONTACT" {
		t.Fatalf("%d %v", code, body)
	}
	found := false
	for _, f := range body["findings"].([]any) {
		found = found || f.(map[string]any)["rule"] == "separation.direct_transfer_ban"
	}
	if !found {
		t.Errorf("findings %v lack separation.direct_transfer_ban", body["findings"])
	}
	code, body, _ = call(t, srv, "POST", "/v1/transfers/check", token, `{"employee_id":"E1011","to_unit":"HD-TRADING","effective_date":"2026-08-01"}`)
	if code != 200 || body["allowed"] != true {
		t.Errorf("indirect move: %d %v", code, body)
	}
}

// TestAForbiddenCheckIsAnAuditEvent: HR asking about a forbidden transfer
// is recorded (for the mail to HR and compliance); an allowed one is not.
func TestAForbiddenCheckIsAnAuditEvent(t *testing.T) {
	dir := demoCopy(t)
	_, srv := start(t, dir)
	call(t, srv, "POST", "/v1/transfers/check", token, `{"employee_id":"E1007","to_unit":"HD-RETAIL","effective_date":"2026-12-01"}`)
	call(t, srv, "POST", "/v1/transfers/check", token, `{"employee_id":"E1011","to_unit":"HD-TRADING","effective_date":"2026-08-01"}`)
	data, _ := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	if n := strings.Count(string(data), `"event":"transfer_forbidden"`); n != 1 || !strings.Contains(string(data), `"employee_id":"E1007"`) || !strings.Contains(string(data), "separation.direct_transfer_ban") {
		t.Errorf("%d transfer_forbidden events:\n%s", n, data)
	}
}

func TestTransferIsPlannedOnceAndWrittenToTheOutbox(t *testing.T) {
	dir := demoCopy(t)
	_, srv := start(t, dir)
	ev := `{"event_id":"T2026-0100","employee_id":"E1006","from_unit":"NW-CUSTOMER","to_unit":"HD-GENERAL","effective_date":"2026-12-01","pledge_date":""}`
	code, plan, _ := call(t, srv, "POST", "/v1/transfers", token, ev)
	if code != 202 || plan["kind"] != "transfer" || plan["event"] != "T2026-0100" || plan["as_of"] != "2026-12-01" {
		t.Fatalf("%d %v", code, plan)
	}
	var items []string
	for _, a := range plan["actions"].([]any) {
		m := a.(map[string]any)
		items = append(items, m["op"].(string)+" "+m["system"].(string)+"/"+m["account"].(string)+"/"+m["entitlement"].(string))
	}
	if strings.Join(items, ",") != "revoke takuso/u1006/viewer" {
		t.Errorf("actions %v: the transferee's NW right should be revoked on the effective date", items)
	}
	rules := map[string]bool{}
	for _, f := range plan["findings"].([]any) {
		rules[f.(map[string]any)["rule"].(string)] = true
	}
	if !rules["lifecycle.pledge_missing"] || !rules["lifecycle.old_company_mail"] || !rules["lifecycle.old_company_account"] {
		t.Errorf("findings %v", rules)
	}
	written, err := os.ReadFile(filepath.Join(dir, "outbox", "T2026-0100.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The same event again: the same plan, not a second one.
	code2, _, hdr := call(t, srv, "POST", "/v1/transfers", token, ev)
	again, _ := os.ReadFile(filepath.Join(dir, "outbox", "T2026-0100.json"))
	if code2 != 202 || hdr.Get("Idempotent-Replay") != "true" || !bytes.Equal(written, again) {
		t.Errorf("replay: %d %v", code2, hdr)
	}
	// Other content under the same id is a conflict.
	if code, body, _ := call(t, srv, "POST", "/v1/transfers", token, strings.Replace(ev, "2026-12-01", "2026-12-02", 1)); code != 409 {
		t.Errorf("conflicting event: %d %v", code, body)
	}
	// An id that differs only in case is another event to Go but one file
	// on a case-insensitive file system, and one to a person: refused.
	if code, body, _ := call(t, srv, "POST", "/v1/transfers", token, strings.Replace(ev, "T2026-0100", "t2026-0100", 1)); code != 409 || !strings.Contains(body["error"].(string), "differs only in case") {
		t.Errorf("an event id in other case: %d %v", code, body)
	}
	// A from_unit the HR feed contradicts would hide the direct transfer
	// ban (E1007 works at the wheeling contact desk, not in general
	// affairs): refused, never planned.
	lie := `{"event_id":"T2026-0200","employee_id":"E1007","from_unit":"NW-GENERAL","to_unit":"HD-RETAIL","effective_date":"2026-12-01"}`
	if code, body, _ := call(t, srv, "POST", "/v1/transfers", token, lie); code != 422 || !strings.Contains(body["error"].(string), "the HR feed has E1007 in NW-WHEEL-CONTACT on 2026-11-30") {
		t.Errorf("a from_unit the HR feed contradicts: %d %v", code, body)
	}
	if _, err := os.Stat(filepath.Join(dir, "outbox", "T2026-0200.json")); err == nil {
		t.Error("the contradicted event was planned into the outbox")
	}
	// A restarted service remembers the outbox.
	_, srv2 := start(t, dir)
	if code, _, hdr := call(t, srv2, "POST", "/v1/transfers", token, ev); code != 202 || hdr.Get("Idempotent-Replay") != "true" {
		t.Errorf("after a restart: %d %v", code, hdr)
	}
	if code, body, _ := call(t, srv, "POST", "/v1/transfers", token, `{"event_id":"../x","employee_id":"E1006","from_unit":"NW-CUSTOMER","to_unit":"HD-GENERAL","effective_date":"2026-12-01"}`); code != 400 {
		t.Errorf("a path in event_id: %d %v", code, body)
	}
}

func TestRefreshFailureKeepsTheLastGoodGraph(t *testing.T) {
	dir := demoCopy(t)
	_, srv := start(t, dir)
	os.WriteFile(filepath.Join(dir, "people.csv"), []byte("employee_id,name\n"), 0o644)
	code, body, _ := call(t, srv, "POST", "/v1/refresh", token, "")
	if code != 503 || !strings.Contains(body["error"].(string), `missing column "unit"`) {
		t.Fatalf("%d %v", code, body)
	}
	_, health, _ := call(t, srv, "GET", "/healthz", "", "")
	if _, shown := health["last_refresh_error"]; health["status"] != "degraded" || shown {
		t.Errorf("healthz without the token shows the error: %v", health)
	}
	_, health, _ = call(t, srv, "GET", "/healthz", token, "")
	if health["status"] != "degraded" || !strings.Contains(health["last_refresh_error"].(string), "people.csv") {
		t.Errorf("healthz %v", health)
	}
	if code, body, _ := call(t, srv, "POST", "/v1/transfers/check", token, `{"employee_id":"E1007","to_unit":"HD-RETAIL","effective_date":"2026-12-01"}`); code != 200 || body["allowed"] != false {
		t.Errorf("not served from the last good graph: %d %v", code, body)
	}
	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`accessrecon_http_requests_total{path="/v1/refresh",code="503"} 1`, "accessrecon_refresh_failures_total 1", "accessrecon_graph_people 50",
		`accessrecon_http_request_duration_seconds_count{path="/v1/transfers/check"} 1`} {
		if !strings.Contains(string(m), want) {
			t.Errorf("metrics lack %q:\n%s", want, m)
		}
	}
}

func TestNoTokenNoService(t *testing.T) {
	if _, err := New(context.Background(), Options{Load: loader(demoCopy(t))}); err == nil {
		t.Fatal("a service without a token started")
	}
	if _, err := New(context.Background(), Options{Load: loader(demoCopy(t)), Token: []byte("x")}); err == nil || !strings.Contains(err.Error(), "fewer than 32") {
		t.Fatalf("a one-character token: %v", err)
	}
	var loads atomic.Int32
	broken := func(ctx context.Context) (*inputs.Inputs, *reconcile.Policy, error) {
		loads.Add(1)
		return nil, nil, os.ErrNotExist
	}
	if _, err := New(context.Background(), Options{Load: broken, Token: []byte(token), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}); err == nil || loads.Load() != 1 {
		t.Fatal("a service without a first graph started")
	}
}

// TestShrunkSourceGetsNoRemovalsThroughTheService: a transfer planned
// through the API passes the same guard as `transfer plan`: when a source
// returned far fewer accounts than at the last plan, the plan revokes
// nothing on it and says why; and the plan is in the audit log.
func TestShrunkSourceGetsNoRemovalsThroughTheService(t *testing.T) {
	dir := demoCopy(t)
	state := `{"sources": {"takuso": {"accounts": 500, "at": "2026-11-20T09:00:00+09:00"}}}`
	if err := os.WriteFile(filepath.Join(dir, reconcile.StateFile), []byte(state), 0o644); err != nil {
		t.Fatal(err)
	}
	_, srv := start(t, dir)
	ev := `{"event_id":"T2026-0100","employee_id":"E1006","from_unit":"NW-CUSTOMER","to_unit":"HD-GENERAL","effective_date":"2026-12-01","pledge_date":""}`
	code, plan, _ := call(t, srv, "POST", "/v1/transfers", token, ev)
	if code != 202 {
		t.Fatalf("%d %v", code, plan)
	}
	if actions := plan["actions"].([]any); len(actions) != 0 {
		t.Errorf("actions %v: takuso shrank from 500 accounts, nothing on it may be revoked", actions)
	}
	sanity := ""
	for _, f := range plan["findings"].([]any) {
		if m := f.(map[string]any); m["rule"] == reconcile.RuleSourceSanity {
			sanity = m["message"].(string)
		}
	}
	if !strings.Contains(sanity, "source takuso returned") || !strings.Contains(sanity, "500 at the last plan") {
		t.Errorf("no source.sanity finding naming takuso: %q", sanity)
	}
	log, err := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), `"event":"plan","by":"accessrecon serve","plan":"`+plan["digest"].(string)+`"`) {
		t.Errorf("the plan is not in the audit log:\n%s", log)
	}
	// The shrunk count is not remembered: the next plan is guarded too.
	data, _ := os.ReadFile(filepath.Join(dir, reconcile.StateFile))
	if !strings.Contains(string(data), `"accounts": 500`) {
		t.Errorf("the state file forgot the last good count: %s", data)
	}
}
