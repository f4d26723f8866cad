package main

import (
	"bytes"
	"context"
	"io"
	"mime"
	netmail "net/mail"
	"regexp"
	"sync/atomic"

	"github.com/accessrecon/accessrecon/connectors/catalog"

	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/notify"
	"github.com/accessrecon/accessrecon/reconcile/reconciletest"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
)

// mailpit starts a real SMTP server (Mailpit, built from the module go.mod
// pins) on loopback with STARTTLS required and a password, and returns its
// SMTP port, its HTTP API's URL and the CA of its certificate.
func mailpit(t *testing.T) (smtpPort int, api, caFile string) {
	return startMailpit(t, true)
}

// startMailpit is mailpit, with STARTTLS and a password or, without tls,
// plain SMTP (for a test that must see the SMTP dialogue).
func startMailpit(t *testing.T, tls bool) (smtpPort int, api, caFile string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "mailpit")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/axllent/mailpit").CombinedOutput(); err != nil {
		t.Fatalf("building Mailpit: %v\n%s", err, out)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	caFile = filepath.Join(dir, "cert.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	os.WriteFile(filepath.Join(dir, "auth"), []byte("accessrecon:mail-secret\n"), 0o600)
	free := func() int {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}
	smtpPort, httpPort := free(), free()
	args := []string{"--smtp", fmt.Sprintf("127.0.0.1:%d", smtpPort), "--listen", fmt.Sprintf("127.0.0.1:%d", httpPort),
		"--database", filepath.Join(dir, "mail.db"), "--smtp-disable-rdns"}
	if tls {
		args = append(args, "--smtp-tls-cert", caFile, "--smtp-tls-key", filepath.Join(dir, "key.pem"), "--smtp-require-starttls",
			"--smtp-auth-file", filepath.Join(dir, "auth"))
	} else {
		args = append(args, "--smtp-auth-accept-any", "--smtp-auth-allow-insecure")
	}
	cmd := exec.Command(bin, args...)
	logf, _ := os.Create(filepath.Join(dir, "mailpit.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); logf.Close() })
	api = fmt.Sprintf("http://127.0.0.1:%d/api/v1", httpPort)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(api + "/messages"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "mailpit.log"))
			t.Fatalf("Mailpit did not start:\n%s", log)
		}
	}
	return smtpPort, api, caFile
}

// mailedDemo is the demo data with notify sending through a Mailpit
// started for the test (STARTTLS, the password from the environment) and
// the rest of the notify section as given (indented two spaces); it returns
// the demo folder, its config and Mailpit's API.
func mailedDemo(t *testing.T, notifyRest string) (dir, cfg, api string) {
	t.Helper()
	smtpPort, api, ca := mailpit(t)
	dir = demoDir(t)
	cfg = filepath.Join(dir, "accessrecon.yaml")
	appendTo(t, cfg, fmt.Sprintf("notify:\n  from: accessrecon@hd.example.jp\n"+
		"  smtp: {host: 127.0.0.1, port: %d, username: accessrecon, password_env: TEST_SMTP_PASSWORD, ca_file: %q}\n", smtpPort, ca)+notifyRest)
	t.Setenv("TEST_SMTP_PASSWORD", "mail-secret")
	return dir, cfg, api
}

type mailpitMessages struct {
	Total    int `json:"total"`
	Messages []struct {
		ID        string `json:"ID"`
		MessageID string `json:"MessageID"`
		Subject   string `json:"Subject"`
		To        []struct {
			Address string `json:"Address"`
		} `json:"To"`
	} `json:"messages"`
}

func received(t *testing.T, api string) mailpitMessages {
	t.Helper()
	resp, err := http.Get(api + "/messages")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m mailpitMessages
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// messageText is the text body of a message Mailpit received.
func messageText(t *testing.T, api, id string) string {
	t.Helper()
	resp, err := http.Get(api + "/message/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct{ Text string }
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m.Text
}

// TestPlanWaitingForApprovalIsMailedToTheRightPeopleOnly: a plan is made;
// notify run tells the people the config names, each alone, through a real
// SMTP server (STARTTLS and a password): an approver of NW gets it; an HD
// employee does not (the plan touches takuso, confidential to NW); an
// address outside the company's mail domains is refused; a leaver is not
// told; a second run sends nothing again. --dry-run writes .eml files and
// sends nothing.
func TestPlanWaitingForApprovalIsMailedToTheRightPeopleOnly(t *testing.T) {
	dir, cfg, api := mailedDemo(t, `  events:
    plan: {ids: [E1002, E1004, E1020, E1030]}
    apply: {author: true, approvers: true}
`)
	replaceIn(t, filepath.Join(dir, "people.csv"), "e1004@nw.example.jp", "e1004@gmail.com")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", filepath.Join(dir, "p.json"), "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	preview := filepath.Join(dir, "preview")
	stdout, stderr, code := runCLI(t, "notify", "run", "--config", cfg, "--dry-run", "--out", preview, "--lang", "en")
	if code != 0 {
		t.Fatalf("dry run: exit %d %s%s", code, stdout, stderr)
	}
	emls, _ := filepath.Glob(filepath.Join(preview, "*.eml"))
	if len(emls) != 1 || !strings.Contains(stdout, "E1020") || !strings.Contains(stdout, "confidential to NW") || !strings.Contains(stdout, "gmail.com is not an address of company NW") {
		t.Fatalf("dry run: %d .eml files\n%s", len(emls), stdout)
	}
	// A program's mail: a sender's name, the date in Japan, no auto-replies.
	eml, _ := os.ReadFile(emls[0])
	head, _, _ := strings.Cut(string(eml), "\r\n\r\n")
	if !regexp.MustCompile(`(?m)^Date: .* \+0900\r?$`).MatchString(head) || !strings.Contains(head, "Auto-Submitted: auto-generated") ||
		!regexp.MustCompile(`(?m)^From: =\?(?i:utf-8)\?q\?accessrecon_=E6=A8=A9=E9=99=90=E7=85=A7=E5=90=88\?=\s+<accessrecon@hd\.example\.jp>`).MatchString(head) {
		t.Errorf("the message's headers:\n%s", head)
	}
	if got := received(t, api); got.Total != 0 {
		t.Fatalf("the dry run sent %d messages", got.Total)
	}
	if ja, _, _ := runCLI(t, "notify", "run", "--config", cfg, "--dry-run", "--out", preview, "--lang", "ja"); !strings.Contains(ja, "の機密システム") || englishSentence.MatchString(ja) {
		t.Errorf("the dry run in Japanese:\n%s", ja)
	}
	stdout, stderr, code = runCLI(t, "notify", "run", "--config", cfg, "--lang", "en")
	if code != 0 || !strings.Contains(stdout, "1 messages sent, 2 refused") {
		t.Fatalf("notify run: exit %d %s%s", code, stdout, stderr)
	}
	got := received(t, api)
	if got.Total != 1 || len(got.Messages[0].To) != 1 || got.Messages[0].To[0].Address != "e1002@nw.example.jp" || !strings.Contains(got.Messages[0].Subject, "承認待ちの計画") {
		t.Fatalf("received: %+v", got)
	}
	if _, _, code := runCLI(t, "notify", "run", "--config", cfg); code != 0 || received(t, api).Total != 1 {
		t.Errorf("a second run sent again: %d messages", received(t, api).Total)
	}
	// The deployment's own text for the apply's result.
	os.MkdirAll(filepath.Join(dir, "mail"), 0o755)
	os.WriteFile(filepath.Join(dir, "mail", "apply.txt"), []byte("Subject: 【権限管理】{{.Name}} 様: 計画 {{.Plan}} の実施結果\n\n完了 {{.Data.done}} 件、失敗 {{.Data.failed}} 件。\n"), 0o644)
	replaceIn(t, cfg, "  events:\n", "  templates: mail\n  events:\n")
	// Approved and applied: the author and the approver are told how it went.
	runCLI(t, "approve", filepath.Join(dir, "p.json"), "--by", "E1002", "--config", cfg)
	if stdout, stderr, code := runApply(t, cfg, filepath.Join(dir, "p.json")); code != 0 {
		t.Fatalf("apply: exit %d %s%s", code, stdout, stderr)
	}
	if _, stderr, code := runCLI(t, "notify", "run", "--config", cfg); code != 0 {
		t.Fatal(stderr)
	}
	to := map[string]bool{}
	for _, m := range received(t, api).Messages {
		if strings.Contains(m.Subject, "の実施結果") && strings.HasPrefix(m.Subject, "【権限管理】") {
			to[m.To[0].Address] = true
		}
	}
	if len(to) != 2 || !to["e1001@nw.example.jp"] || !to["e1002@nw.example.jp"] {
		t.Errorf("the apply's result went to %v, want the author E1001 and the approver E1002", to)
	}
	audit, _ := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	if strings.Count(string(audit), `"event":"mail_sent"`) != 3 || strings.Count(string(audit), `"event":"mail_refused"`) != 2 || strings.Contains(string(audit), "mail-secret") {
		t.Errorf("the audit log's mail events:\n%s", audit)
	}
}

// TestMailAboutAPlanKeepsToItsCompany: every event about a plan, not only
// the plan's own (here its approval), is mailed only to people of the
// companies its systems are confidential to: the demo plan touches takuso
// (NW's), so HD's E1020 is refused and NW's E1002 told. A plan recorded by
// an earlier version (its event lists no systems) is checked through its
// file.
func TestMailAboutAPlanKeepsToItsCompany(t *testing.T) {
	dir, cfg, _ := mailedDemo(t, "  events:\n    approval: {ids: [E1002, E1020]}\n")
	plan := filepath.Join(dir, "p.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", plan, "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	if _, stderr, code := runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg); code != 0 {
		t.Fatal(stderr)
	}
	preview := func(name string) (stdout string, emls []string) {
		t.Helper()
		out := filepath.Join(dir, name)
		stdout, stderr, code := runCLI(t, "notify", "run", "--config", cfg, "--dry-run", "--out", out, "--lang", "en")
		if code != 0 {
			t.Fatalf("dry run: exit %d %s%s", code, stdout, stderr)
		}
		emls, _ = filepath.Glob(filepath.Join(out, "*.eml"))
		return stdout, emls
	}
	if stdout, emls := preview("now"); len(emls) != 1 || strings.Count(stdout, "confidential to NW: not for company HD") != 1 {
		t.Fatalf("the approval's mail: %d messages\n%s", len(emls), stdout)
	}
	c, err := config.Load(config.OSFiles{}, cfg, catalog.Types)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []audit.Event{
		{Event: audit.Plan, By: "E1001", Plan: "sha256:earlier", Data: map[string]any{"out": plan}},
		{Event: audit.Approval, By: "E1002", Plan: "sha256:earlier"},
	} {
		if err := audit.Record(c, e, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if stdout, emls := preview("earlier"); len(emls) != 2 || strings.Count(stdout, "confidential to NW: not for company HD") != 2 {
		t.Fatalf("with a plan event of an earlier version: %d messages\n%s", len(emls), stdout)
	}
}

// TestTheMailServersWordsCannotDriveTheTerminal: a mail server answering
// with escape sequences and a carriage return: notify run keeps the message
// queued and says why on stderr, the server's words made harmless.
// TestAServerWithoutSTARTTLSIsExplained: a mail server that offers no
// STARTTLS (the default requires it) gets nothing, and the error says which
// setting decides it, once rather than after retries.
func TestAServerWithoutSTARTTLSIsExplained(t *testing.T) {
	smtpPort, api, _ := startMailpit(t, false)
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	appendTo(t, cfg, fmt.Sprintf("notify:\n  from: accessrecon@hd.example.jp\n  smtp: {host: 127.0.0.1, port: %d}\n  events:\n    plan: {ids: [E1002]}\n", smtpPort))
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", filepath.Join(dir, "p.json"), "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	stdout, stderr, code := runCLI(t, "notify", "run", "--config", cfg, "--lang", "ja")
	if code == 0 || !strings.Contains(stdout+stderr, "notify.smtp.starttls") || !strings.Contains(stdout+stderr, "opportunistic") || received(t, api).Total != 0 {
		t.Errorf("a server without STARTTLS: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestTheMailServersWordsCannotDriveTheTerminal(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.Write([]byte("554 \x1b[2J\rgo away\r\n"))
			conn.Close()
		}
	}()
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	appendTo(t, cfg, fmt.Sprintf("notify:\n  from: accessrecon@hd.example.jp\n  smtp: {host: 127.0.0.1, port: %d}\n  events:\n    plan: {ids: [E1002]}\n", ln.Addr().(*net.TCPAddr).Port))
	backoff := notify.Backoff
	notify.Backoff = 10 * time.Millisecond
	t.Cleanup(func() { notify.Backoff = backoff })
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", filepath.Join(dir, "p.json"), "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	_, stderr, code := runCLI(t, "notify", "run", "--config", cfg, "--lang", "en")
	if code != 1 || !strings.Contains(stderr, "not sent yet, kept in the queue") || strings.ContainsAny(stderr, "\x1b\r") || !strings.Contains(stderr, "go away") {
		t.Errorf("notify run against a hostile server: exit %d\n%q", code, stderr)
	}
}

// dropOnce is an SMTP proxy to addr that cuts its first connection in the
// middle of the message (after DATA, some of the content forwarded), and
// passes the later ones whole.
func dropOnce(t *testing.T, addr string) (port int, connections *atomic.Int64) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	connections = new(atomic.Int64)
	go func() {
		for n := 0; ; n++ {
			client, err := l.Accept()
			if err != nil {
				return
			}
			connections.Add(1)
			server, err := net.Dial("tcp", addr)
			if err != nil {
				client.Close()
				continue
			}
			go func() { io.Copy(client, server); client.Close() }()
			go func(first bool) {
				defer server.Close()
				if !first {
					io.Copy(server, client)
					return
				}
				var seen []byte
				buf := make([]byte, 64)
				for {
					k, err := client.Read(buf)
					if err != nil {
						return
					}
					seen = append(seen, buf[:k]...)
					if i := bytes.Index(seen, []byte("DATA\r\n")); i >= 0 && len(seen) > i+300 {
						client.Close() // mid-message: the server never gets the final "."
						return
					}
					server.Write(buf[:k])
				}
			}(n == 0)
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, connections
}

// TestAConnectionDroppedMidSendIsRetriedNotDoubled: the first connection
// is cut in the middle of the message; the message is sent again, once.
func TestAConnectionDroppedMidSendIsRetriedNotDoubled(t *testing.T) {
	smtpPort, api, _ := startMailpit(t, false)
	proxy, connections := dropOnce(t, fmt.Sprintf("127.0.0.1:%d", smtpPort))
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	appendTo(t, cfg, fmt.Sprintf(`notify:
  from: accessrecon@hd.example.jp
  smtp: {host: 127.0.0.1, port: %d, starttls: opportunistic}
  events:
    plan: {ids: [E1002]}
`, proxy))
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", filepath.Join(dir, "p.json"), "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	notify.Backoff = 100 * time.Millisecond
	stdout, stderr, code := runCLI(t, "notify", "run", "--config", cfg, "--lang", "en")
	if code != 0 || !strings.Contains(stdout, "1 messages sent") {
		t.Fatalf("exit %d %s%s", code, stdout, stderr)
	}
	if got := received(t, api); got.Total != 1 || connections.Load() != 2 {
		t.Errorf("%d messages arrived over %d connections, want the one, once, on the second", got.Total, connections.Load())
	}
}

// TestLogCheckFindingsAndTheRateLimit: the log check's findings are mailed
// to the people named for logs_check (counts only), in ISO-2022-JP for old
// clients; with rate_limit 1 one run sends one message and keeps the other
// queued for the next run.
func TestLogCheckFindingsAndTheRateLimit(t *testing.T) {
	_, cfg, api := mailedDemo(t, `  rate_limit: 1
  charset: iso-2022-jp
  events:
    logs_check: {ids: [E1001, E1002]}
`)
	if _, stderr, code := runCLI(t, "logs", "check", "--config", cfg, "--date", "2026-11-24"); code != exitFindings {
		t.Fatalf("logs check: exit %d %s", code, stderr)
	}
	stdout, stderr, code := runCLI(t, "notify", "run", "--config", cfg, "--lang", "en")
	if code != 0 || !strings.Contains(stdout, "1 messages sent, 0 refused, 1 kept in the queue") {
		t.Fatalf("first run: exit %d %s%s", code, stdout, stderr)
	}
	if stdout, _, _ := runCLI(t, "notify", "run", "--config", cfg, "--lang", "en"); !strings.Contains(stdout, "1 messages sent, 0 refused, 0 kept in the queue") {
		t.Fatalf("second run: %s", stdout)
	}
	got := received(t, api)
	// In ISO-2022-JP, and read back as the Japanese it was.
	if got.Total != 2 || !strings.Contains(got.Messages[0].Subject, "log check findings") || !strings.Contains(got.Messages[0].Subject, "アクセスログの指摘") {
		t.Errorf("received: %+v", got)
	}
	// The counts by rule as people read them, not a Go map.
	if body := messageText(t, api, got.Messages[0].ID); strings.Contains(body, "map[") || !strings.Contains(body, "usage.access_after_leave 1, usage.access_without_grant 1") {
		t.Errorf("the log check's mail:\n%s", body)
	}
}

// TestServeSendsTheMailItself: with notify in the config, serve sends the
// mail of new events itself (here every 200 ms): HR checks a forbidden
// transfer, and HR's contact gets the mail.
func TestServeSendsTheMailItself(t *testing.T) {
	_, cfg, api := mailedDemo(t, `  events:
    transfer_forbidden: {ids: [E1002]}
`)
	t.Setenv("ACCESSRECON_API_TOKEN", "serve-token-for-tests-0123456789abcdef")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"accessrecon", "serve", "--config", cfg, "--listen", addr, "--notify-every", "200ms"}, io.Discard, io.Discard)
	}()
	defer func() { cancel(); <-done }()
	var resp *http.Response
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		req, _ := http.NewRequest("POST", "http://"+addr+"/v1/transfers/check", strings.NewReader(`{"employee_id":"E1007","to_unit":"HD-RETAIL","effective_date":"2026-12-01"}`))
		req.Header.Set("Authorization", "Bearer serve-token-for-tests-0123456789abcdef")
		if resp, err = http.DefaultClient.Do(req); err == nil && resp.StatusCode == http.StatusOK {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not answer: %v", err)
		}
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		got := received(t, api)
		if got.Total == 1 && got.Messages[0].To[0].Address == "e1002@nw.example.jp" && strings.Contains(got.Messages[0].Subject, "forbidden transfer") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail about the forbidden transfer within 20 s: %+v", got)
		}
	}
}

// TestCampaignMailOnTheRightBusinessDays: a campaign due on Thursday
// 2026-12-10: its reviewers (the people of each worksheet's unit) are told
// when it opens, reminded from two business days before (Tuesday the 8th,
// once), and once it is overdue the person named and the reviewers'
// managers (people.csv's manager column) are told; a closed campaign is
// left alone.
func TestCampaignMailOnTheRightBusinessDays(t *testing.T) {
	dir, cfg, api := mailedDemo(t, `  rate_limit: 1000
  remind_before: 2
  events:
    campaign_opened: {reviewers: true}
    campaign_reminder: {reviewers: true}
    campaign_overdue: {ids: [E1002], managers: true}
`)
	// The customer centre's people report to E1050.
	reconciletest.AddManagers(t, filepath.Join(dir, "people.csv"), map[string]string{"NW-CUSTOMER": "E1050"}, nil)
	// A reviewer whose address is outside NW's mail domains: refused.
	replaceIn(t, filepath.Join(dir, "people.csv"), "e1006@nw.example.jp", "e1006@gmail.com")
	camp := filepath.Join(dir, "Q4")
	if _, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "Q4", "--out", camp, "--as-of", "2026-11-24", "--due", "2026-12-10"); code != 0 {
		t.Fatal(stderr)
	}
	count := func(word string) (n int, to map[string]bool) {
		to = map[string]bool{}
		for _, m := range received(t, api).Messages {
			if strings.Contains(m.Subject, word) {
				n++
				to[m.To[0].Address] = true
			}
		}
		return n, to
	}
	notifyOn := func(day string) {
		t.Helper()
		if _, stderr, code := runCLI(t, "notify", "run", "--config", cfg, "--date", day); code != 0 {
			t.Fatalf("notify run --date %s: %s", day, stderr)
		}
	}
	notifyOn("2026-12-01")
	opened, reviewersTo := count("certification worksheet")
	if opened == 0 || !reviewersTo["e1001@nw.example.jp"] || reviewersTo["e1007@nw.example.jp"] {
		t.Fatalf("campaign opened: %d messages to %v", opened, reviewersTo)
	}
	if n, _ := count("due"); n != 0 {
		t.Errorf("a reminder a week early: %d", n)
	}
	notifyOn("2026-12-07") // Monday: three business days before
	if n, _ := count("worksheets due"); n != 0 {
		t.Errorf("%d reminders three business days before", n)
	}
	notifyOn("2026-12-08") // Tuesday: two business days before
	reminded, remindedTo := count("worksheets due")
	if reminded != opened || len(remindedTo) != len(reviewersTo) {
		t.Errorf("%d reminders to %d people, want one to each of the %d reviewers", reminded, len(remindedTo), len(reviewersTo))
	}
	notifyOn("2026-12-09")
	if n, _ := count("worksheets due"); n != reminded {
		t.Errorf("reminded again: %d", n)
	}
	// E1006's refusals are in the audit log once each (opened, reminded), not
	// once a run.
	if log, _ := os.ReadFile(filepath.Join(dir, "audit.jsonl")); strings.Count(string(log), `"event":"mail_refused"`) != 2 || !strings.Contains(string(log), `"person":"E1006"`) {
		t.Errorf("the refusals of E1006's mail: %d in the audit log, want 2\n%s", strings.Count(string(log), `"event":"mail_refused"`), log)
	}
	notifyOn("2026-12-11") // the day after the due day
	if n, to := count("campaign overdue"); n != 2 || !to["e1002@nw.example.jp"] || !to["e1050@nw.example.jp"] {
		t.Errorf("overdue: %d to %v, want E1002 and the reviewers' manager E1050", n, to)
	}
	// Closed: nothing more about it.
	atDay(t, "2026-12-11")
	if _, stderr, code := runCLI(t, "certify", "close", "--config", cfg, "--dir", camp, "--decisions", filepath.Join(camp, "certify-NW-CUSTOMER.csv"), "--out", filepath.Join(dir, "c.json"), "--as-of", "2026-12-11"); code != 0 {
		t.Fatal(stderr)
	}
	total := received(t, api).Total
	notifyOn("2026-12-14")
	if got := received(t, api).Total; got != total {
		t.Errorf("%d messages after the campaign closed", got-total)
	}
}

type eml struct{ To, Subject, Body string }

// readEMLs reads the .eml files a dry run wrote: recipient, decoded subject
// and body.
func readEMLs(t *testing.T, dir string) []eml {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	var out []eml
	dec := new(mime.WordDecoder)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := netmail.ReadMessage(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		subject, _ := dec.DecodeHeader(m.Header.Get("Subject"))
		raw, _ := io.ReadAll(m.Body)
		body := string(raw)
		if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "base64") {
			b, _ := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(body), ""))
			body = string(b)
		}
		to, _ := netmail.ParseAddress(m.Header.Get("To"))
		addr := m.Header.Get("To")
		if to != nil {
			addr = to.Address
		}
		out = append(out, eml{To: addr, Subject: subject, Body: body})
	}
	return out
}

// TestStageMailOfALayeredCampaign: items kept at the owner stage reach the
// manager's stage, and the manager (and whom they delegated to) is told,
// with the count, the due day and the link; reminded before the stage's due
// day; on the due day their own manager is told.
func TestStageMailOfALayeredCampaign(t *testing.T) {
	ctx := context.Background()
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	appendTo(t, cfg, `notify:
  from: accessrecon@hd.example.jp
  smtp: {host: 127.0.0.1, port: 2525}
  remind_before: 2
  events:
    campaign_opened: {reviewers: true}
    campaign_reminder: {reviewers: true}
    campaign_overdue: {managers: true}
    plan: {ids: [E1002]}
review:
  web: {public_url: "https://accessrecon.hd.example.jp"}
`)
	reconciletest.AddManagers(t, filepath.Join(dir, "people.csv"), map[string]string{"NW-CUSTOMER": "E1009"}, map[string]string{"E1009": "E1002"})
	if _, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "M1", "--template", "monthly", "--out", filepath.Join(dir, "m1"), "--as-of", "2026-11-24"); code != 0 {
		t.Fatal(stderr)
	}
	store, err := reviewdb.Open(ctx, filepath.Join(dir, reviewdb.DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := store.Decide(ctx, "M1", reviewdb.Reviewer{EmployeeID: "E1001", Unit: "NW-CUSTOMER"}, []string{"takuso/u1004/viewer", "takuso/u1006/viewer"}, "keep", "", nil); err != nil || res.Decided != 2 {
		t.Fatalf("keep at stage 1: %+v %v", res, err)
	}
	if err := store.Delegate(ctx, "M1", reviewdb.Reviewer{EmployeeID: "E1009", Unit: "NW-OPS"}, "E1015", nil); err != nil {
		t.Fatal(err)
	}
	store.Close()
	on := func(day string) []eml {
		t.Helper()
		out := filepath.Join(dir, "preview-"+day)
		if _, stderr, code := runCLI(t, "notify", "run", "--config", cfg, "--dry-run", "--out", out, "--date", day, "--lang", "en"); code != 0 {
			t.Fatalf("notify run --date %s: %s", day, stderr)
		}
		return readEMLs(t, out)
	}
	find := func(ms []eml, to, subject string) *eml {
		for _, m := range ms {
			if m.To == to && strings.Contains(m.Subject, subject) {
				return &m
			}
		}
		return nil
	}
	ms := on("2026-11-25")
	m := find(ms, "e1009@nw.example.jp", "a review stage for you (M1, stage 2)")
	if m == nil || !strings.Contains(m.Body, "2 items wait for your decision, due 2026-12-08") || !strings.Contains(m.Body, "https://accessrecon.hd.example.jp/campaigns/M1") {
		t.Fatalf("the manager's stage mail: %+v\nall: %+v", m, ms)
	}
	if find(ms, "e1015@nw.example.jp", "stage 2") == nil {
		t.Error("the manager's delegate is not told")
	}
	if w := find(ms, "e1004@nw.example.jp", "a certification worksheet for you"); w == nil || !strings.Contains(w.Body, "https://accessrecon.hd.example.jp/campaigns/M1") {
		t.Errorf("the owner unit's opening mail has no link: %+v", w)
	}
	for _, x := range ms {
		if strings.Contains(x.Subject, "due") || strings.Contains(x.Subject, "your report") {
			t.Errorf("a reminder or escalation two weeks early: %+v", x)
		}
	}
	if find(on("2026-12-03"), "e1009@nw.example.jp", "your review is due") != nil {
		t.Error("reminded three business days before")
	}
	if find(on("2026-12-04"), "e1009@nw.example.jp", "your review is due 2026-12-08") == nil {
		t.Error("not reminded two business days before the stage's due day")
	}
	esc := find(on("2026-12-08"), "e1002@nw.example.jp", "a review of your report is due today")
	if esc == nil || !strings.Contains(esc.Body, "E1009") {
		t.Errorf("the manager's manager is not told on the due day: %+v", esc)
	}
	// A plan written into serve's outbox: the approver's mail links to its page.
	os.MkdirAll(filepath.Join(dir, "outbox"), 0o755)
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", filepath.Join(dir, "outbox", "p.json"), "--by", "E1001"); code != 0 && code != 2 {
		t.Fatal(stderr)
	}
	if m := find(on("2026-11-25"), "e1002@nw.example.jp", "waits for approval"); m == nil || !strings.Contains(m.Body, "https://accessrecon.hd.example.jp/plans/p.json") {
		t.Errorf("the plan mail has no link to the plan's page: %+v", m)
	}
}

// TestAFirstRunDoesNotAskForAClosedCampaign: notify's first run reads the
// whole log; a campaign opened and closed before it gets no "return your
// worksheet" mail, and says why.
func TestAFirstRunDoesNotAskForAClosedCampaign(t *testing.T) {
	dir, cfg, _ := mailedDemo(t, `  events:
    campaign_opened: {reviewers: true}
`)
	camp := filepath.Join(dir, "Q4")
	if _, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "Q4", "--out", camp, "--as-of", "2026-11-24"); code != 0 {
		t.Fatal(stderr)
	}
	if _, stderr, code := runCLI(t, "certify", "close", "--config", cfg, "--dir", camp, "--out", filepath.Join(dir, "c.json"), "--as-of", "2026-11-24"); code != 0 && code != 2 {
		t.Fatal(stderr)
	}
	out := filepath.Join(dir, "mail")
	stdout, stderr, code := runCLI(t, "notify", "run", "--config", cfg, "--dry-run", "--out", out, "--lang", "en")
	if code != 0 {
		t.Fatalf("notify: exit %d %s", code, stderr)
	}
	for _, m := range readEMLs(t, out) {
		if strings.Contains(m.Subject, "worksheet") {
			t.Errorf("a closed campaign's worksheet mail: %s to %s", m.Subject, m.To)
		}
	}
	if !strings.Contains(stdout, "campaign Q4 was closed since: its worksheets are no longer due") {
		t.Errorf("the skipped mail is not said:\n%s", stdout)
	}
}
