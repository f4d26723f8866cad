package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors/catalog"
	"github.com/accessrecon/accessrecon/connectors/sqldb/sqltest"
	"github.com/accessrecon/accessrecon/fixtures/generate"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/notify"
	"github.com/accessrecon/accessrecon/reconcile/reconciletest"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
	"github.com/accessrecon/accessrecon/web/webtest"
)

// tcpProxy forwards a loopback port to PostgreSQL until cut: a replica
// behind it loses the database while the database stays up for the others.
type tcpProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	cut   bool
}

func newProxy(t *testing.T, to string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", to)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			if p.cut {
				c.Close()
				up.Close()
			} else {
				p.conns = append(p.conns, c, up)
			}
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	t.Cleanup(p.Cut)
	return p
}

func (p *tcpProxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Cut closes the proxy and every connection through it.
func (p *tcpProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
}

// replica is one `accessrecon serve` process.
type replica struct {
	cmd  *exec.Cmd
	base string
	log  *lockedBuffer
}

type readyz struct {
	Status string `json:"status"`
	Leader bool   `json:"leader"`
}

func (r *replica) ready() (readyz, int) {
	var z readyz
	resp, err := http.Get(r.base + "/readyz")
	if err != nil {
		return z, 0
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(&z)
	return z, resp.StatusCode
}

// TestTwoReplicasOnOnePostgreSQL: two serve processes share one PostgreSQL
// store and audit log. Fifty signed-in reviewers decide at once across both;
// the leader (the replica running the timers) is killed with SIGKILL in the
// middle of their decisions, and its reviewers go on through the other, as
// a load balancer would send them. Every item is decided exactly once, the
// audit log verifies and counts exactly the decisions the store has (each
// event is in the transaction of its decision), the other replica takes the
// timers over within the stated time, and a replica that loses PostgreSQL
// answers /readyz 503 and decides nothing.
func TestTwoReplicasOnOnePostgreSQL(t *testing.T) {
	srv := sqltest.Postgres(t)
	bin := buildCLI(t)
	ctx := context.Background()
	dir := t.TempDir()
	if err := generate.Write(dir, generate.Options{People: 3000, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "accessrecon.yaml")
	os.WriteFile(filepath.Join(dir, "access.csv"), []byte("timestamp,system,account_id,action,object\n"), 0o644)
	appendTo(t, cfgPath, "store: {type: postgres, dsn_env: ACCESSRECON_POSTGRES_DSN}\n")
	t.Setenv("ACCESSRECON_POSTGRES_DSN", srv.DSN)
	t.Setenv("TEST_OIDC_SECRET", "client-secret")
	t.Setenv("ACCESSRECON_API_TOKEN", "serve-token-for-tests-0123456789abcdef")
	if _, stderr, code := runCLI(t, "certify", "open", "--config", cfgPath, "--as-of", "2026-11-24", "--campaign", "Q", "--out", filepath.Join(dir, "Q")); code != 0 {
		t.Fatal(stderr)
	}
	store, err := reviewdb.OpenPostgres(ctx, srv.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()

	// The reviewer unit with the most open items and 50 people, and 200 of
	// its items.
	cfg, err := config.Load(config.OSFiles{}, cfgPath, catalog.Types)
	if err != nil {
		t.Fatal(err)
	}
	in, _ := reconciletest.Load(t, cfg, policy.Bundled())
	snap, today := in.Graph.Snapshot(), graph.DateOf(time.Now())
	byUnit := map[string][]string{}
	for _, p := range snap.People() {
		if !p.HasLeft(today) && p.StartDate <= today {
			u := snap.AssignmentAsOf(p, today).Unit
			byUnit[u] = append(byUnit[u], p.EmployeeID)
		}
	}
	db := srv.DB(t)
	rows, err := db.Query(`SELECT assignee, count(*) FROM items WHERE campaign_id = 'Q' AND status = 'open' GROUP BY assignee ORDER BY count(*) DESC`)
	if err != nil {
		t.Fatal(err)
	}
	var unit string
	for rows.Next() {
		var a string
		var n int
		rows.Scan(&a, &n)
		if u, ok := strings.CutPrefix(a, "unit:"); ok && unit == "" && n >= 200 && len(byUnit[u]) >= 50 {
			unit = u
		}
	}
	rows.Close()
	if unit == "" {
		t.Fatal("no reviewer unit with 50 people and 200 items in the generated set")
	}
	var items []string
	holder := map[string]string{}
	rows, _ = db.Query(`SELECT item_id, person FROM items WHERE campaign_id = 'Q' AND assignee = $1 ORDER BY item_id LIMIT 200`, "unit:"+unit)
	for rows.Next() {
		var id, person string
		rows.Scan(&id, &person)
		items, holder[id] = append(items, id), person
	}
	rows.Close()
	reviewers := byUnit[unit][:50]

	// The reviewer pages of both replicas sign in through one OpenID
	// provider; the first replica's address is the public one.
	lns := []net.Listener{webtest.Listen(t), webtest.Listen(t)}
	bases := []string{"http://" + lns[0].Addr().String(), "http://" + lns[1].Addr().String()}
	for _, l := range lns {
		l.Close()
	}
	issuer := webtest.Provider(t, reviewers[1:2], webtest.Client{ID: "accessrecon", Secret: "client-secret", RedirectURI: bases[0] + "/auth/callback"})
	appendTo(t, cfgPath, fmt.Sprintf(`review:
  web:
    public_url: %s
    oidc: {issuer: %s, client_id: accessrecon, client_secret_env: TEST_OIDC_SECRET}
`, bases[0], issuer))
	// Sessions as a sign-in makes them, but one: reviewer 1 signs in
	// through the provider at the first replica (below) and decides through
	// the second.
	cookies := make([]string, len(reviewers))
	for i, id := range reviewers {
		cookies[i] = fmt.Sprintf("session-%d-%d", i, time.Now().UnixNano())
		h := sha256.Sum256([]byte(cookies[i]))
		if err := store.CreateSession(ctx, hex.EncodeToString(h[:]), reviewdb.Session{EmployeeID: id, Issuer: issuer, Subject: id, Expires: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}

	// Two replicas, each reaching PostgreSQL through a proxy of its own.
	pgAddr := fmt.Sprintf("127.0.0.1:%d", srv.Port)
	proxies := []*tcpProxy{newProxy(t, pgAddr), newProxy(t, pgAddr)}
	reps := make([]*replica, 2)
	for i := range reps {
		dsn := strings.Replace(srv.DSN, fmt.Sprintf(":%d/", srv.Port), fmt.Sprintf(":%d/", proxies[i].Port()), 1)
		r := &replica{base: bases[i], log: &lockedBuffer{}}
		r.cmd = exec.Command(bin, "serve", "--config", cfgPath, "--listen", strings.TrimPrefix(bases[i], "http://"),
			"--notify-every", "0", "--refresh", "0", "--leader-every", "300ms", "--drain", "0")
		r.cmd.Env = append(os.Environ(), "ACCESSRECON_POSTGRES_DSN="+dsn)
		r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
		if err := r.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.cmd.Process.Kill(); r.cmd.Wait() })
		reps[i] = r
	}
	leader := -1
	for deadline := time.Now().Add(60 * time.Second); leader < 0; time.Sleep(100 * time.Millisecond) {
		za, ca := reps[0].ready()
		zb, cb := reps[1].ready()
		if ca == 200 && cb == 200 && za.Leader != zb.Leader {
			leader = map[bool]int{true: 0, false: 1}[za.Leader]
		}
		if ca == 200 && cb == 200 && za.Leader && zb.Leader {
			t.Fatal("both replicas say they lead")
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replicas did not become ready with one leader:\nA: %s\nB: %s", reps[0].log.String(), reps[1].log.String())
		}
	}
	other := 1 - leader

	// Reviewer 1 signs in at the first replica as a browser does; the
	// session is in PostgreSQL, so the second replica knows them.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(bases[0] + "/auth/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = browser.PostForm(issuer+"/login/username", url.Values{"id": {resp.Request.URL.Query().Get("authRequestID")},
		"username": {strings.ToLower(reviewers[1])}, "password": {webtest.Password(reviewers[1])}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	base0, _ := url.Parse(bases[0])
	cookies[1] = ""
	for _, c := range jar.Cookies(base0) {
		if c.Name == "accessrecon_session" {
			cookies[1] = c.Value
		}
	}
	if resp.StatusCode != 200 || cookies[1] == "" {
		t.Fatalf("sign-in at the first replica: %d, session %q", resp.StatusCode, cookies[1])
	}

	// Fifty reviewers at once, half through each replica; the leader is
	// killed after a third of the decisions, and its reviewers go on
	// through the other.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 30 * time.Second}
	post := func(base, cookie, item, decision, reason string) (int, error) {
		form := url.Values{"item": {item}, "decision": {decision}, "reason": {reason}}
		req, _ := http.NewRequest("POST", base+"/campaigns/Q/decide", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.AddCookie(&http.Cookie{Name: "accessrecon_session", Value: cookie})
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	var done atomic.Int32
	var killed sync.Once
	tookOver := make(chan time.Duration, 1)
	kill := func() {
		killed.Do(func() {
			killedAt := time.Now()
			reps[leader].cmd.Process.Kill()
			go func() { // the other replica takes the timers over
				for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
					if z, code := reps[other].ready(); code == 200 && z.Leader {
						tookOver <- time.Since(killedAt)
						return
					}
				}
				close(tookOver)
			}()
		})
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(reviewers))
	for r := range reviewers {
		wg.Go(func() {
			via := r % 2
			for i := range 20 {
				if done.Add(1) == 330 {
					kill()
				}
				id := items[(r*4+i)%len(items)]
				decision := []string{"keep", "revoke"}[(r+i)%2]
				code, err := post(reps[via].base, cookies[r], id, decision, fmt.Sprintf("reviewer %d", r))
				if err != nil && via == leader {
					via = other // the load balancer sends them on
					code, err = post(reps[via].base, cookies[r], id, decision, fmt.Sprintf("reviewer %d", r))
				}
				if err != nil || code != http.StatusSeeOther {
					errs <- fmt.Errorf("reviewer %d, %s through %s: %d %v", r, id, reps[via].base, code, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	takeover, ok := <-tookOver
	if !ok {
		t.Fatalf("the other replica did not take the lead within 10 s:\n%s", reps[other].log.String())
	}
	t.Logf("takeover %v after the leader was killed (--leader-every 300ms)", takeover)
	if takeover > 2*time.Second {
		t.Errorf("takeover took %v; the docs promise about --leader-every (300ms) plus a probe", takeover)
	}

	// Every item tried was decided once, by someone who is not its holder;
	// the audit log verifies and counts exactly the store's decisions.
	tried := map[string]bool{}
	for r := range reviewers {
		for i := range 20 {
			tried[items[(r*4+i)%len(items)]] = true
		}
	}
	finals, err := store.Finals(ctx, "Q")
	if err != nil {
		t.Fatal(err)
	}
	decided := 0
	for _, f := range finals {
		if f.Status == reviewdb.StatusOpen {
			if tried[f.ItemID] && !slices.Contains(reviewers, holder[f.ItemID]) {
				t.Errorf("%s was tried but is not decided", f.ItemID)
			}
			continue
		}
		decided++
		if !tried[f.ItemID] || f.Reviewer == holder[f.ItemID] {
			t.Errorf("%s decided by %s (tried %v, holder %s)", f.ItemID, f.Reviewer, tried[f.ItemID], holder[f.ItemID])
		}
	}
	var rowsDecided int
	db.QueryRow(`SELECT count(*) FROM decisions WHERE campaign_id = 'Q'`).Scan(&rowsDecided)
	if decided == 0 || rowsDecided != decided {
		t.Errorf("%d items decided, %d decisions recorded", decided, rowsDecided)
	}
	if _, err := audit.VerifyConfig(ctx, cfg, "en"); err != nil {
		t.Fatal(err)
	}
	audited := 0
	r, name, err := audit.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	audit.Each(r, name, func(e audit.Event) {
		if e.Event == audit.ReviewDecision {
			audited += int(e.Data["decided"].(float64))
		}
	})
	r.Close()
	if audited != decided {
		t.Errorf("the audit log counts %d decisions, the store %d", audited, decided)
	}

	// The survivor loses PostgreSQL: /readyz says so, and a decision is
	// refused, not taken.
	proxies[other].Cut()
	if z, code := reps[other].ready(); code != http.StatusServiceUnavailable || z.Status != "store unreachable" {
		t.Errorf("/readyz without PostgreSQL: %d %+v", code, z)
	}
	var open string
	db.QueryRow(`SELECT item_id FROM items WHERE campaign_id = 'Q' AND assignee = $1 AND status = 'open' AND person != $2 ORDER BY item_id DESC LIMIT 1`,
		"unit:"+unit, reviewers[0]).Scan(&open)
	if open == "" {
		t.Fatal("no open item left to try")
	}
	if code, err := post(reps[other].base, cookies[0], open, "revoke", "without the store"); err == nil && code == http.StatusSeeOther {
		t.Errorf("a decision without PostgreSQL answered %d", code)
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM decisions WHERE campaign_id = 'Q' AND item_id = $1`, open).Scan(&n)
	if n != 0 {
		t.Errorf("%s decided without PostgreSQL", open)
	}
}

// TestStoreMigrateToPostgres: a demo folder's SQLite review store (a
// campaign with a decision, a session) and audit log (plan, approval,
// campaign) are copied into PostgreSQL; the copy is counted and verified,
// the config switched to postgres goes on from there (audit verify, a new
// event chained to the copied ones), and a second copy into the same
// database is refused.
func TestStoreMigrateToPostgres(t *testing.T) {
	srv := sqltest.Postgres(t)
	ctx := context.Background()
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", filepath.Join(dir, "p.json"), "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	if _, stderr, code := runCLI(t, "approve", filepath.Join(dir, "p.json"), "--by", "E1002", "--config", cfg); code != 0 {
		t.Fatal(stderr)
	}
	if _, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "Q", "--out", filepath.Join(dir, "Q"), "--as-of", "2026-11-24"); code != 0 {
		t.Fatal(stderr)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	lines := strings.Count(string(before), "\n")
	t.Setenv("ACCESSRECON_POSTGRES_DSN", srv.DSN)
	out, stderr, code := runCLI(t, "store", "migrate", "--to", "postgres", "--config", cfg, "--lang", "en")
	if code != 0 {
		t.Fatal(stderr)
	}
	var items int
	srv.DB(t).QueryRow(`SELECT count(*) FROM items WHERE campaign_id = 'Q'`).Scan(&items)
	if items == 0 || !strings.Contains(out, fmt.Sprintf("items: %d rows", items)) || !strings.Contains(out, fmt.Sprintf("%d lines, chain intact, the same bytes", lines)) {
		t.Fatalf("migrate said:\n%s", out)
	}
	if _, stderr, code := runCLI(t, "store", "migrate", "--to", "postgres", "--config", cfg, "--lang", "en"); code == 0 || !strings.Contains(stderr, "copied only into an empty one") {
		t.Fatalf("a second copy: %d %s", code, stderr)
	}
	// The config on PostgreSQL from now on.
	appendTo(t, cfg, "store: {type: postgres}\n")
	os.Rename(filepath.Join(dir, "audit.jsonl"), filepath.Join(dir, "audit.jsonl.migrated"))
	if _, stderr, code := runCLI(t, "approve", filepath.Join(dir, "p.json"), "--by", "E1003", "--config", cfg); code != 0 {
		t.Fatal(stderr)
	}
	out, stderr, code = runCLI(t, "audit", "verify", "--config", cfg, "--lang", "en")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("%d lines, chain intact", lines+1)) {
		t.Fatalf("audit verify on PostgreSQL: %d %s %s", code, out, stderr)
	}
	exported := filepath.Join(t.TempDir(), "audit.jsonl")
	if _, stderr, code := runCLI(t, "audit", "export", exported, "--config", cfg); code != 0 {
		t.Fatal(stderr)
	}
	got, _ := os.ReadFile(exported)
	if !strings.HasPrefix(string(got), string(before)) || strings.Count(string(got), "\n") != lines+1 {
		t.Fatalf("the export does not go on from the file log")
	}
	out, stderr, code = runCLI(t, "audit", "verify", exported, "--lang", "en")
	if code != 0 || !strings.Contains(out, "matches the checkpoint") {
		t.Fatalf("audit verify of the export: %d %s %s", code, out, stderr)
	}
	st, err := reviewdb.OpenPostgres(ctx, srv.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if c, err := st.Campaign(ctx, "Q"); err != nil || len(c.Stages) == 0 {
		t.Fatalf("the campaign in PostgreSQL: %+v %v", c, err)
	}
}

// TestTwoMailSendersOneKilledMidBatch: 300 messages wait in the queue in
// PostgreSQL; two `notify run` processes send at once through a real SMTP
// server (Mailpit) and one is killed with SIGKILL in the middle of the
// batch. The other and a later run send the rest: every message arrives,
// and none twice but, at most, the one the killed process had in flight
// (SMTP has no "send once": the server may have taken it before the
// process could record it; the copy carries the same Message-ID).
func TestTwoMailSendersOneKilledMidBatch(t *testing.T) {
	srv := sqltest.Postgres(t)
	bin := buildCLI(t)
	ctx := context.Background()
	_, cfgPath, api := mailedDemo(t, "  rate_limit: 1000\n  events:\n    plan: {ids: [E1002]}\n")
	appendTo(t, cfgPath, "store: {type: postgres, dsn_env: ACCESSRECON_POSTGRES_DSN}\n")
	t.Setenv("ACCESSRECON_POSTGRES_DSN", srv.DSN)
	cfg, err := config.Load(config.OSFiles{}, cfgPath, catalog.Types)
	if err != nil {
		t.Fatal(err)
	}
	const n = 300
	var msgs []notify.Message
	for i := range n {
		msgs = append(msgs, notify.Message{ID: fmt.Sprintf("m%03d@accessrecon", i), To: "e1002@nw.example.jp", Name: "鈴木 花子", Person: "E1002",
			Subject: fmt.Sprintf("テスト %d", i), Body: "本文"})
	}
	if err := notify.Enqueue(ctx, cfg, msgs, 0); err != nil {
		t.Fatal(err)
	}
	if err := notify.Enqueue(ctx, cfg, msgs[:10], 0); err != nil { // queued once
		t.Fatal(err)
	}
	if q := notify.Queued(ctx, cfg); q != n {
		t.Fatalf("%d queued, want %d", q, n)
	}
	run := func() (*exec.Cmd, *lockedBuffer) {
		out := &lockedBuffer{}
		cmd := exec.Command(bin, "notify", "run", "--config", cfgPath)
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, out
	}
	a, _ := run()
	b, bout := run()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if received(t, api).Total >= n/5 {
			a.Process.Kill()
			a.Wait()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no mail arrived")
		}
	}
	if err := b.Wait(); err != nil {
		t.Fatalf("the other sender: %v\n%s", err, bout.String())
	}
	if _, stderr, code := runCLI(t, "notify", "run", "--config", cfgPath); code != 0 { // what the killed one held
		t.Fatal(stderr)
	}
	resp, err := http.Get(api + "/messages?limit=1000")
	if err != nil {
		t.Fatal(err)
	}
	var got mailpitMessages
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	seen := map[string]int{}
	for _, m := range got.Messages {
		seen[m.MessageID]++
	}
	twice := 0
	for i := range n {
		switch c := seen[fmt.Sprintf("m%03d@accessrecon", i)]; {
		case c == 0:
			t.Errorf("message %d never arrived", i)
		case c > 1:
			twice++
		}
	}
	t.Logf("%d messages, %d received, %d twice (a sender killed mid-batch)", n, got.Total, twice)
	if twice > 1 || got.Total > n+1 {
		t.Errorf("%d messages arrived twice (%d in all): at most the one in flight may", twice, got.Total)
	}
	if q := notify.Queued(ctx, cfg); q != 0 {
		t.Errorf("%d still queued", q)
	}
	// Both processes sent: they took messages side by side, not in turn.
	var senders int
	srv.DB(t).QueryRow(`SELECT count(DISTINCT sent_by) FROM mail_outbox`).Scan(&senders)
	if senders < 2 {
		t.Errorf("%d senders recorded, want the two processes at least", senders)
	}
}
