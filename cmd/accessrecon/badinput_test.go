package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// TestBadInputIsAClearErrorAndWritesNothing breaks one input at a time: each
// must give exit 1, a message naming the file, line and column (or field) and
// what was expected, and no plan file.
func TestBadInputIsAClearErrorAndWritesNothing(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(t *testing.T, dir string)
		args   []string
		want   []string
	}{
		{
			name: "a wrong date",
			break_: func(t *testing.T, dir string) {
				replaceIn(t, filepath.Join(dir, "people.csv"), "E1005,伊藤 健一,NW,NW-CUSTOMER,employee,2010-04-01", "E1005,伊藤 健一,NW,NW-CUSTOMER,employee,2010-13-01")
			},
			want: []string{"people.csv:6: column start_date (6): \"2010-13-01\" is not a calendar day"},
		},
		{
			// A leaver's row cut at the comma before end_date would read
			// as someone still employed: the account would stay enabled.
			name: "a row cut short",
			break_: func(t *testing.T, dir string) {
				replaceIn(t, filepath.Join(dir, "people.csv"), "E1030,小川 千尋,NW,NW-CUSTOMER,employee,2010-04-01,2026-10-31,e1030@nw.example.jp", "E1030,小川 千尋,NW,NW-CUSTOMER,employee,2010-04-01")
			},
			want: []string{"people.csv:31: expected 8 fields as in the header, got 6"},
		},
		{
			// Every problem of a file in one run, in file order.
			name: "three problems in one file",
			break_: func(t *testing.T, dir string) {
				people := filepath.Join(dir, "people.csv")
				replaceIn(t, people, "E1001,佐藤 翔太,NW,NW-CUSTOMER", "E1001,佐藤 翔太,NW,NW-CUSTMER")
				replaceIn(t, people, "E1005,伊藤 健一,NW,NW-CUSTOMER,employee,2010-04-01", "E1005,伊藤 健一,NW,NW-CUSTOMER,employee,2010-13-01")
				appendTo(t, people, "E1002,別人 花子,HD,HD-RETAIL,employee,2020-04-01,,x@hd.example.jp\n")
			},
			want: []string{"people.csv:2: column unit (4): unknown unit \"NW-CUSTMER\"", "\naccessrecon: ", "people.csv:6: column start_date (6)", "people.csv:52: column employee_id (1):"},
		},
		{
			name: "an unknown unit",
			break_: func(t *testing.T, dir string) {
				replaceIn(t, filepath.Join(dir, "people.csv"), "E1001,佐藤 翔太,NW,NW-CUSTOMER", "E1001,佐藤 翔太,NW,NW-CUSTMER")
			},
			want: []string{"people.csv:2: column unit (4): unknown unit \"NW-CUSTMER\"", "org.yaml", `(did you mean "NW-CUSTOMER"?)`},
		},
		{
			name: "a duplicate employee_id",
			break_: func(t *testing.T, dir string) {
				appendTo(t, filepath.Join(dir, "people.csv"), "E1001,別人 花子,HD,HD-RETAIL,employee,2020-04-01,,x@hd.example.jp\n")
			},
			want: []string{"people.csv:52: column employee_id (1):", "\"E1001\" appears twice"},
		},
		{
			name: "a grant on an account that does not exist",
			break_: func(t *testing.T, dir string) {
				appendTo(t, filepath.Join(dir, "takuso-grants.csv"), "takuso,u7777,viewer,role,2024-04-01,\n")
			},
			want: []string{"takuso-grants.csv:25: column account_id (2): no account \"u7777\" on system \"takuso\"", "takuso-accounts.csv"},
		},
		{
			name: "a grant of an entitlement the system does not have",
			break_: func(t *testing.T, dir string) {
				appendTo(t, filepath.Join(dir, "takuso-grants.csv"), "takuso,u1001,superuser,role,2024-04-01,\n")
			},
			want: []string{"takuso-grants.csv:25: column entitlement (3):", "no entitlement \"superuser\""},
		},
		{
			// Sources are read at once; the error is still the one a reading
			// in config order meets first.
			name: "errors in two sources and in people.csv",
			break_: func(t *testing.T, dir string) {
				replaceIn(t, filepath.Join(dir, "portal-accounts.csv"), "system,account_id,owner,kind,status", "system,account_id,owner,kind")
				appendTo(t, filepath.Join(dir, "takuso-grants.csv"), "takuso,u7777,viewer,role,2024-04-01,\n")
				appendTo(t, filepath.Join(dir, "people.csv"), "E1001,別人 花子,HD,HD-RETAIL,employee,2020-04-01,,x@hd.example.jp\n")
			},
			want: []string{"people.csv:52: column employee_id (1):"},
		},
		{
			name: "errors in two sources",
			break_: func(t *testing.T, dir string) {
				replaceIn(t, filepath.Join(dir, "portal-accounts.csv"), "system,account_id,owner,kind,status", "system,account_id,owner,kind")
				appendTo(t, filepath.Join(dir, "takuso-grants.csv"), "takuso,u7777,viewer,role,2024-04-01,\n")
			},
			want: []string{"source takuso failed", "takuso-grants.csv:25: column account_id (2)"},
		},
		{
			name: "a missing column",
			break_: func(t *testing.T, dir string) {
				replaceIn(t, filepath.Join(dir, "portal-accounts.csv"), "system,account_id,owner,kind,status", "system,account_id,owner,kind")
			},
			want: []string{"portal-accounts.csv:1: missing column \"status\""},
		},
		{
			name:   "a file that does not exist",
			break_: func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "transfers.csv")) },
			want:   []string{"transfers.csv: no such file or directory"},
		},
		{
			name: "a bad enum value",
			break_: func(t *testing.T, dir string) {
				replaceIn(t, filepath.Join(dir, "takuso-accounts.csv"), "takuso,u1001,E1001,personal,active", "takuso,u1001,E1001,personal,enabled")
			},
			want: []string{"takuso-accounts.csv:2: column status (5): expected one of active, disabled, got \"enabled\""},
		},
		{
			name: "an unknown key in a YAML file",
			break_: func(t *testing.T, dir string) {
				replaceIn(t, filepath.Join(dir, "org.yaml"), "{id: SB-SUPPORT, company: SB,", "{id: SB-SUPPORT, colour: red, company: SB,")
			},
			want: []string{"org.yaml:18: unknown key \"colour\""},
		},
		{
			name:   "an unknown key in the config",
			break_: func(t *testing.T, dir string) { appendTo(t, filepath.Join(dir, "accessrecon.yaml"), "sourcse: []\n") },
			want:   []string{"accessrecon.yaml:", "unknown key \"sourcse\""},
		},
		{
			name: "a bad emergency timestamp",
			break_: func(t *testing.T, dir string) {
				replaceIn(t, filepath.Join(dir, "emergencies.yaml"), "end: 2026-09-05T23:59:59+09:00", "end: 2026-09-05 23:59")
			},
			want: []string{"emergencies.yaml:2: field end: expected an RFC 3339 timestamp"},
		},
		{
			name: "a system owned by an unknown unit",
			break_: func(t *testing.T, dir string) {
				replaceIn(t, filepath.Join(dir, "systems.yaml"), "owner: HD-IT", "owner: HD-ITT")
			},
			want: []string{"systems.yaml:27: field owner: unknown unit \"HD-ITT\""},
		},
		{
			name: "a transfer to an unknown unit",
			break_: func(t *testing.T, dir string) {
				replaceIn(t, filepath.Join(dir, "transfers.csv"), "T2026-0010,E1010,NW-WHEEL-CONTACT,HD-RETAIL", "T2026-0010,E1010,NW-WHEEL-CONTACT,HD-RETAIIL")
			},
			want: []string{"transfers.csv:3: column to_unit (4): unknown to_unit \"HD-RETAIIL\""},
		},
		{
			name: "Shift_JIS bytes in a file declared UTF-8",
			break_: func(t *testing.T, dir string) {
				appendTo(t, filepath.Join(dir, "people.csv"), "E1099,\x8d\xb2\x93\xa1,NW,NW-OPS,employee,2020-04-01,,\n")
			},
			want: []string{"people.csv:52:", "not valid UTF-8", "shift_jis"},
		},
		{
			name: "a roster entry of a system that does not exist",
			break_: func(t *testing.T, dir string) {
				appendTo(t, filepath.Join(dir, "roster.csv"), "E1036,saiene-kaitri,2025-04-01,\n")
			},
			want: []string{"roster.csv:3: column system (2):", `unknown system "saiene-kaitri"`},
		},
		{
			name: "a right of the duties matrix without its system",
			break_: func(t *testing.T, dir string) {
				appendTo(t, filepath.Join(dir, "duties.csv"), "takuso editor,portal/admin,台帳の編集とID管理,\n")
			},
			want: []string{"duties.csv:3: column 権限A = right_a (1):", `expected SYSTEM/ENTITLEMENT, e.g. takuso/editor, got "takuso editor"`},
		},
		{
			name: "a right of the duties matrix on a system nobody lists",
			break_: func(t *testing.T, dir string) {
				appendTo(t, filepath.Join(dir, "duties.csv"), "takuso/editor,takuso-billing/approver,起票と承認,\n")
			},
			want: []string{"duties.csv:3: column 権限B = right_b (2):", `unknown system "takuso-billing"`},
		},
		{
			name: "an MFA cell that is neither on nor off",
			break_: func(t *testing.T, dir string) {
				replaceIn(t, filepath.Join(dir, "saiene-accounts.csv"), "r1036,E1036,personal,active,,2025-04-10,,", "r1036,E1036,personal,active,maybe,2025-04-10,,")
			},
			want: []string{"saiene-accounts.csv:5: column mfa (6):", `expected on or off (true/false, 有効/無効), got "maybe"`},
		},
		{
			name: "a wrong --as-of",
			args: []string{"--as-of", "24/11/2026"},
			want: []string{"--as-of: expected a date as YYYY-MM-DD, got \"24/11/2026\""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := demoDir(t)
			if tt.break_ != nil {
				tt.break_(t, dir)
			}
			out := filepath.Join(dir, "out", "plan.json")
			os.Mkdir(filepath.Dir(out), 0o755)
			args := append([]string{"plan", "--config", filepath.Join(dir, "accessrecon.yaml"), "--out", out}, tt.args...)
			if len(tt.args) == 0 {
				args = append(args, "--as-of", "2026-11-24")
			}
			stdout, stderr, code := runCLI(t, args...)
			if code != 1 {
				t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 0 {
				t.Errorf("a failed plan left files behind: %v", entries)
			}
			// The same error for a Japanese reader: the same positions,
			// no English sentence.
			_, stderr, code = runCLI(t, append(args, "--lang", "ja")...)
			if code != 1 || !strings.Contains(stderr, position.FindString(strings.Join(tt.want, " "))) {
				t.Errorf("--lang ja: exit %d, without the position %q\n%s", code, position.FindString(strings.Join(tt.want, " ")), stderr)
			}
			if m := englishSentence.FindAllString(stderr, 3); len(m) > 0 {
				t.Errorf("--lang ja: English in the error: %q\n%s", m, stderr)
			}
		})
	}
}

// position is a file and line in an error.
var position = regexp.MustCompile(`[\w.-]+\.(csv|yaml|json):\d+`)

func appendTo(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// TestOutputNeverReplacesWhatAccessreconReads: plan --out naming the audit
// log, an input it just read, the config, the review store or a checkpoint
// is refused, as is a FIFO or a device (through a symbolic link too); the
// file is left as it was and no plan is recorded.
func TestOutputNeverReplacesWhatAccessreconReads(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", filepath.Join(dir, "first.json")); code != 0 && code != 2 {
		t.Fatalf("first plan: %s", stderr)
	}
	if _, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "Q", "--out", filepath.Join(dir, "q"), "--as-of", "2026-11-24"); code != 0 { // makes the review store
		t.Fatalf("open: %s", stderr)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "null.json")
	os.Symlink("/dev/null", link)
	toLog := filepath.Join(dir, "log-link.json")
	os.Symlink(filepath.Join(dir, "audit.jsonl"), toLog)
	for _, tt := range []struct{ out, want string }{
		{filepath.Join(dir, "audit.jsonl"), "is the audit log"},
		{filepath.Join(dir, "..", filepath.Base(dir), "people.csv"), "is an input of the plan"},
		{cfg, "is the config"},
		{filepath.Join(dir, "review.db"), "is the review store"},
		{filepath.Join(dir, ".accessrecon-audit.json"), "is an audit checkpoint"},
		{fifo, "is a named pipe"},
		{link, "is a device"},
		{toLog, "is the audit log"},
	} {
		before, berr := os.Lstat(tt.out)
		var content []byte
		if berr == nil && before.Mode().IsRegular() {
			content, _ = os.ReadFile(tt.out)
		}
		logBefore, _ := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
		_, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", tt.out)
		if berr != nil {
			t.Fatalf("%s: %v", tt.out, berr)
		}
		if code != 1 || !strings.Contains(stderr, tt.want) {
			t.Errorf("--out %s: exit %d, want %q in %s", tt.out, code, tt.want, stderr)
		}
		if content != nil {
			if after, _ := os.ReadFile(tt.out); !bytes.Equal(after, content) {
				t.Errorf("--out %s was replaced", tt.out)
			}
		}
		if logAfter, _ := os.ReadFile(filepath.Join(dir, "audit.jsonl")); !bytes.Equal(logAfter, logBefore) {
			t.Errorf("--out %s: the refused plan was recorded in the audit log", tt.out)
		}
	}
	if fi, err := os.Stat("/dev/null"); err != nil || fi.Mode()&os.ModeDevice == 0 {
		t.Fatal("/dev/null is no longer a device")
	}
}

// TestIDsThatAreOnePersonAreRefused: people.csv with E1002 and e1002, or
// E1002 and Ｅ１００２ (full-width), is refused naming both lines: elsewhere
// accessrecon takes them for one person, so one could approve the other's
// plan.
func TestIDsThatAreOnePersonAreRefused(t *testing.T) {
	for _, twin := range []string{"e1002", "Ｅ１００２"} {
		dir := demoDir(t)
		appendTo(t, filepath.Join(dir, "people.csv"), twin+",鈴木 美咲,NW,NW-RENEW,employee,2010-04-01,,x@nw.example.jp\n")
		data, _ := os.ReadFile(filepath.Join(dir, "people.csv"))
		lines := strings.Count(string(data), "\n")
		_, stderr, code := runCLI(t, "plan", "--config", filepath.Join(dir, "accessrecon.yaml"), "--as-of", "2026-11-24", "--lang", "en")
		want := fmt.Sprintf("people.csv:%d: column employee_id (1): %q and \"E1002\" (line 3) are one person to accessrecon", lines, twin)
		if code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("%s beside E1002: exit %d, want %q in %s", twin, code, want, stderr)
		}
	}
}

// TestAnInputWithNoLineEndIsRefused: an input that never ends a line (a
// device, a broken export: here /dev/zero as people.csv and as an account
// export) is refused once a line passes the limit, instead of growing
// memory until the machine gives out.
func TestAnInputWithNoLineEndIsRefused(t *testing.T) {
	t.Setenv("ACCESSRECON_MAX_CSV_LINE", "1048576")
	for _, file := range []string{"people.csv", "takuso-grants.csv"} {
		dir := demoDir(t)
		os.Remove(filepath.Join(dir, file))
		if err := os.Symlink("/dev/zero", filepath.Join(dir, file)); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := runCLI(t, "plan", "--config", filepath.Join(dir, "accessrecon.yaml"), "--as-of", "2026-11-24", "--lang", "en")
		if code != 1 || !strings.Contains(stderr, file+": a line longer than 1048576 bytes with no line end") {
			t.Errorf("%s as /dev/zero: exit %d, %s", file, code, stderr)
		}
	}
}

// TestALookalikeSystemIDIsRefused: a system id with a Cyrillic а among Latin
// letters (tаkuso) looks like takuso to a person and is another system to
// accessrecon: refused with the line and the scripts.
func TestALookalikeSystemIDIsRefused(t *testing.T) {
	dir := demoDir(t)
	replaceIn(t, filepath.Join(dir, "systems.yaml"), "  - id: saiene-ctl\n", "  - id: s\u0430iene-ctl\n")
	_, stderr, code := runCLI(t, "plan", "--config", filepath.Join(dir, "accessrecon.yaml"), "--as-of", "2026-11-24", "--lang", "en")
	if code != 1 || !strings.Contains(stderr, "systems.yaml:19: field id: \"s\u0430iene-ctl\" mixes Latin and Cyrillic letters") {
		t.Errorf("a lookalike id: exit %d, %s", code, stderr)
	}
}

// TestATransferTheHRFeedContradictsIsRefused: transfers.csv moving E1007
// "from NW-GENERAL" straight to retail, while the HR feed has E1007 at the
// wheeling contact desk, would plan without the critical direct transfer
// ban: transfer plan refuses it, naming both.
func TestATransferTheHRFeedContradictsIsRefused(t *testing.T) {
	dir := demoDir(t)
	appendTo(t, filepath.Join(dir, "transfers.csv"), "T2026-0900,E1007,NW-GENERAL,HD-RETAIL,2026-12-01,\n")
	_, stderr, code := runCLI(t, "transfer", "plan", "--config", filepath.Join(dir, "accessrecon.yaml"), "--event", "T2026-0900", "--lang", "ja")
	if code != 1 || !strings.Contains(stderr, "異動 T2026-0900 の異動元は NW-GENERAL ですが、人事データでは E1007 は 2026-11-30 に NW-WHEEL-CONTACT に所属しています") {
		t.Errorf("a contradicted transfer: exit %d, %s", code, stderr)
	}
}
