package main

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type logReport struct {
	Date   string `json:"date"`
	Window struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"window"`
	Checked   int `json:"accesses_checked"`
	Malformed struct {
		Count int `json:"count"`
		First []struct {
			File   string `json:"file"`
			Line   int    `json:"line"`
			Reason string `json:"reason"`
		} `json:"first"`
	} `json:"malformed"`
	Findings []struct {
		Rule      string `json:"rule"`
		Severity  string `json:"severity"`
		Timestamp string `json:"timestamp"`
		System    string `json:"system"`
		Account   string `json:"account"`
		Person    string `json:"person"`
		Action    string `json:"action"`
		Object    string `json:"object"`
	} `json:"findings"`
}

func logsCheckRun(t *testing.T, dir, date string, extra ...string) (logReport, string, string, int) {
	t.Helper()
	out := filepath.Join(dir, "logs-"+date+".json")
	os.Remove(out)
	args := append([]string{"logs", "check", "--config", filepath.Join(dir, "accessrecon.yaml"), "--date", date, "--out", out, "--lang", "en"}, extra...)
	stdout, stderr, code := runCLI(t, args...)
	var rep logReport
	if data, err := os.ReadFile(out); err == nil {
		if err := json.Unmarshal(data, &rep); err != nil {
			t.Fatal(err)
		}
	}
	return rep, stdout, stderr, code
}

// TestLogsCheckOnTheDemo: the Tuesday after a Monday holiday reviews Friday
// to Monday, and each usage rule fires on the demo's log.
func TestLogsCheckOnTheDemo(t *testing.T) {
	dir := demoDir(t)
	rep, stdout, stderr, code := logsCheckRun(t, dir, "2026-11-24")
	if code != 4 {
		t.Fatalf("exit %d, want 4 (findings)\n%s%s", code, stdout, stderr)
	}
	if rep.Window.From != "2026-11-20T00:00:00+09:00" || rep.Window.To != "2026-11-24T00:00:00+09:00" {
		t.Errorf("window %+v", rep.Window)
	}
	if rep.Checked != 17 {
		t.Errorf("accesses checked %d, want 17 (the window's lines, the UTC one included)", rep.Checked)
	}
	if rep.Malformed.Count != 2 || rep.Malformed.First[0].Line != 18 || !strings.Contains(stderr, "access.csv:19: skipped: column timestamp") {
		t.Errorf("malformed lines: %+v\nstderr: %s", rep.Malformed, stderr)
	}
	got := map[string]int{}
	for _, f := range rep.Findings {
		got[f.Rule+" "+f.Account]++
	}
	want := map[string]int{
		"usage.confidential_access_outside_emergency u1020": 3,
		"usage.confidential_access_outside_emergency u1040": 1, // 07:30; 09:00 is inside the window that opened at 08:00
		"usage.access_after_leave u1030":                    1,
		"usage.access_without_grant u1035":                  1,
		"usage.attempted_access u1012":                      1, // refused (result denied): HD since 2026-11-01
		"usage.duties_exercised c1002":                      1, // E1002 used saiene-ctl and saiene-kaitori, a pair of the duties matrix
		"usage.shared_account_used opsshared":               1, // console01 is covered by an exception
		"usage.unknown_account u9999":                       1,
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d findings, want %d", k, got[k], n)
		}
	}
	if len(rep.Findings) != 10 {
		t.Errorf("%d findings, want 10: %+v", len(rep.Findings), rep.Findings)
	}
	for _, f := range rep.Findings {
		if f.Account == "u1020" && (f.Person != "E1020" || f.Action == "" || f.Object == "") {
			t.Errorf("finding lacks person, action or object: %+v", f)
		}
	}
	if !strings.Contains(stdout, "usage.confidential_access_outside_emergency") || !strings.Contains(stdout, "E1020 (3 findings)") {
		t.Errorf("summary is not grouped by rule and person:\n%s", stdout)
	}
}

func TestLogsCheckWindows(t *testing.T) {
	dir := demoDir(t)
	for _, tt := range []struct{ date, from string }{
		{"2026-11-30", "2026-11-27T00:00:00+09:00"}, // Monday: Friday, Saturday and Sunday
		{"2026-05-07", "2026-05-01T00:00:00+09:00"}, // after Golden Week
		{"2027-01-04", "2026-12-28T00:00:00+09:00"}, // after the New Year company holidays
		{"2026-12-01", "2026-11-30T00:00:00+09:00"}, // a window in another month than its day
	} {
		rep, _, stderr, code := logsCheckRun(t, dir, tt.date)
		if code != 0 && code != 4 {
			t.Fatalf("%s: exit %d: %s", tt.date, code, stderr)
		}
		if rep.Window.From != tt.from {
			t.Errorf("%s: window from %s, want %s", tt.date, rep.Window.From, tt.from)
		}
	}
	for date, why := range map[string]string{"2026-11-23": "national holiday (勤労感謝の日)", "2026-11-22": "a Sunday", "2026-12-30": "a company holiday"} {
		_, _, stderr, code := logsCheckRun(t, dir, date)
		if code != 1 || !strings.Contains(stderr, "not a business day") || !strings.Contains(stderr, why) {
			t.Errorf("%s: exit %d, stderr %q", date, code, stderr)
		}
	}
	// In Japanese, all of it (it said 「営業日ではありません: a Sunday です」).
	for date, why := range map[string]string{"2026-11-22": "営業日ではありません: 日曜日です", "2026-11-23": "祝日（勤労感謝の日）です"} {
		_, stderr, code := runCLI(t, "logs", "check", "--config", filepath.Join(dir, "accessrecon.yaml"), "--date", date, "--lang", "ja")
		if code != 1 || !strings.Contains(stderr, why) {
			t.Errorf("%s in Japanese: exit %d, stderr %q", date, code, stderr)
		}
	}
}

func TestLogsCheckCleanDayJSONLinesGzipAndGlobs(t *testing.T) {
	dir := demoDir(t)
	os.Mkdir(filepath.Join(dir, "logs"), 0o755)
	f, _ := os.Create(filepath.Join(dir, "logs", "takuso-20261130.jsonl.gz"))
	zw := gzip.NewWriter(f)
	zw.Write([]byte(`{"timestamp":"2026-11-27T09:00:00+09:00","system":"takuso","account_id":"u1001","action":"view","object":"customer/1"}` + "\n" +
		`{"timestamp":"2026-11-28T00:30:00Z","system":"takuso","account_id":"u1004","action":"view","object":"customer/2"}` + "\n" +
		`{"timestamp":"2026-11-29","system":"takuso"}` + "\n"))
	zw.Close()
	f.Close()
	os.WriteFile(filepath.Join(dir, "logs", "portal-20261130.csv"), []byte("object,action,account_id,system,timestamp\n/top,login,p1001,portal,2026-11-29T12:00:00+09:00\n"), 0o644)
	replaceIn(t, filepath.Join(dir, "accessrecon.yaml"), "access_logs: [access.csv]", "access_logs: [\"logs/*\"]")
	rep, stdout, stderr, code := logsCheckRun(t, dir, "2026-11-30")
	if code != 0 {
		t.Fatalf("a clean day: exit %d\n%s%s", code, stdout, stderr)
	}
	if rep.Checked != 3 || rep.Malformed.Count != 1 || len(rep.Findings) != 0 {
		t.Errorf("checked %d malformed %d findings %d", rep.Checked, rep.Malformed.Count, len(rep.Findings))
	}
	if !strings.Contains(stdout, "No findings.") {
		t.Errorf("summary: %s", stdout)
	}
}

func TestLogsCheckHTML(t *testing.T) {
	dir := demoDir(t)
	_, stdout, _, code := logsCheckRun(t, dir, "2026-11-24", "--format", "html", "--lang", "ja")
	if code != 4 || !strings.Contains(stdout, "<h1>アクセスログ点検 2026-11-24</h1>") || !strings.Contains(stdout, "非常時以外の他社からの機密システム利用") {
		t.Errorf("exit %d, html:\n%s", code, stdout)
	}
}

func TestLogsCheckOfficialHolidayFile(t *testing.T) {
	dir := demoDir(t)
	// A made-up holiday on Friday 2026-11-27 moves Monday's window back to Thursday.
	os.WriteFile(filepath.Join(dir, "syukujitsu.csv"), []byte("国民の祝日・休日月日,国民の祝日・休日名称\n2026/11/3,文化の日\n2026/11/23,勤労感謝の日\n2026/11/27,臨時の祝日\n"), 0o644)
	replaceIn(t, filepath.Join(dir, "accessrecon.yaml"), "calendar:\n", "calendar:\n  national_holidays: syukujitsu.csv\n")
	rep, _, stderr, code := logsCheckRun(t, dir, "2026-11-30")
	if code != 0 && code != 4 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if rep.Window.From != "2026-11-26T00:00:00+09:00" {
		t.Errorf("window from %s, want Thursday 2026-11-26", rep.Window.From)
	}
}

// TestTheEmergencyOnlyReport: the accesses of a period to confidential
// systems by other companies, each with the window that allowed it or
// none, in Japanese, and as CSV for Excel; the owning company's own
// accesses are not listed.
func TestTheEmergencyOnlyReport(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	out := filepath.Join(dir, "emergency.csv")
	stdout, stderr, code := runCLI(t, "logs", "emergency-report", "--config", cfg, "--from", "2026-11-19", "--to", "2026-11-24", "--out", out, "--lang", "ja")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"他社による機密システムへのアクセス 10 件（非常時の期間内 1 件、期間外 9 件）",
		"2026-11-20 09:00:00  takuso      u1040      E1040  坂本 葵   SB     EM-2026-02", "2026-11-20 07:30:00  takuso      u1040"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the report lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "u1001") || strings.Contains(stdout, "u1035") {
		t.Errorf("NW's own accesses are listed:\n%s", stdout)
	}
	data, _ := os.ReadFile(out)
	if !strings.HasPrefix(string(data), "\ufeff日時（日本時間）,システム") || strings.Count(string(data), "\n") != 11 {
		t.Errorf("the CSV:\n%s", data)
	}
}

// TestTheEmergencyReportRefusesWhatWouldReadEmpty: a period that ends
// before it starts, a config naming no log files, and an --out that is one
// of the inputs are errors, not a report of no accesses or a lost log.
func TestTheEmergencyReportRefusesWhatWouldReadEmpty(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	log := filepath.Join(dir, "access.csv")
	before, _ := os.ReadFile(log)
	for _, c := range []struct {
		name, want string
		args       []string
	}{
		{"reversed", "--to 2026-11-19 が --from 2026-11-24 より前です", []string{"--from", "2026-11-24", "--to", "2026-11-19"}},
		{"over the log", "access.csv", []string{"--from", "2026-11-19", "--to", "2026-11-24", "--out", log}},
	} {
		stdout, stderr, code := runCLI(t, append([]string{"logs", "emergency-report", "--config", cfg, "--lang", "ja"}, c.args...)...)
		if code == 0 || !strings.Contains(stderr, c.want) || strings.Contains(stdout, "他社による") {
			t.Errorf("%s: exit %d, stderr lacks %q or a report was printed:\n%s%s", c.name, code, c.want, stdout, stderr)
		}
	}
	if after, _ := os.ReadFile(log); string(after) != string(before) {
		t.Error("the access log was written over")
	}
	data, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(data), "access_logs: [access.csv]", "access_logs: []", 1)), 0o644)
	if _, stderr, code := runCLI(t, "logs", "emergency-report", "--config", cfg, "--from", "2026-11-19", "--to", "2026-11-24", "--lang", "ja"); code == 0 || !strings.Contains(stderr, "access_logs にログファイルが指定されていません") {
		t.Errorf("no log files: exit %d\n%s", code, stderr)
	}
}

// TestLogRetentionGaps: the demo's logs hold a few days: a year's retention
// finds the months before them missing on every confidential system, in
// business days (the weekend and 勤労感謝の日 after the last line are no
// gap); a gap allowance longer than that finds none.
func TestLogRetentionGaps(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	stdout, stderr, code := runCLI(t, "logs", "retention", "--config", cfg, "--as-of", "2026-11-24", "--years", "1", "--lang", "ja")
	for _, want := range []string{"takuso: ログは 2026-11-19 から 2026-11-24。1 営業日を超える欠落 1 件", "欠落 2025-11-25〜2026-11-18（237 営業日）",
		"saiene-ctl: ログは 2026-11-20 から 2026-11-20。1 営業日を超える欠落 1 件"} {
		if code != 4 || !strings.Contains(stdout, want) {
			t.Errorf("exit %d, the report lacks %q:\n%s%s", code, want, stdout, stderr)
		}
	}
	if strings.Contains(stdout, "portal") {
		t.Errorf("a system confidential to no company is checked:\n%s", stdout)
	}
	if _, _, code := runCLI(t, "logs", "retention", "--config", cfg, "--as-of", "2026-11-24", "--years", "1", "--max-gap", "300"); code != 0 {
		t.Errorf("a gap allowance of 300 business days: exit %d", code)
	}
}
