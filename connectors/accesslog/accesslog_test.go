package accesslog

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/accessrecon/accessrecon/config"
)

func TestParseTimestampAgreesWithTheStandardLibrary(t *testing.T) {
	for _, s := range []string{
		"2026-11-23T08:00:00+09:00", "2026-11-22T23:00:00Z", "2026-11-23T08:00:00.123456789+09:00",
		"2028-02-29T12:00:00-05:30", "1999-12-31T23:59:59z", "2026-01-01 00:00:00+09:00",
	} {
		want, err := time.Parse(time.RFC3339Nano, strings.Replace(strings.Replace(s, " ", "T", 1), "z", "Z", 1))
		if err != nil {
			t.Fatal(err)
		}
		got, ok := ParseTimestamp([]byte(s))
		if !ok || got != want.UnixNano() {
			t.Errorf("%s: %v %v, want %v", s, time.Unix(0, got), ok, want)
		}
	}
	// What HR and business systems export: local time in Asia/Tokyo.
	for s, want := range map[string]string{"2026/12/07 13:00": "2026-12-07T13:00:00+09:00", "2026-12-07 13:00:05": "2026-12-07T13:00:05+09:00"} {
		w, _ := time.Parse(time.RFC3339, want)
		if got, ok := ParseTimestamp([]byte(s)); !ok || got != w.UnixNano() {
			t.Errorf("%s: %v %v, want %s", s, time.Unix(0, got), ok, want)
		}
	}
	for _, s := range []string{"", "2026-11-23", "2026-11-23T08:00:00", "2026-02-29T00:00:00Z", "2026-11-23T25:00:00+09:00", "2026/11/23 08:00+09:00", "2026/11/23 8:00",
		"2026-11-23T08:00:00+0900", "2026-11-23T08:00:00.+09:00", "2026/11/23T08:00:00Z", "2026-11-23T08:00:00+09:00x"} {
		if _, ok := ParseTimestamp([]byte(s)); ok {
			t.Errorf("%q accepted", s)
		}
	}
}

func FuzzParseTimestamp(f *testing.F) {
	f.Add("2026-11-23T08:00:00+09:00")
	f.Add("2026-11-22T23:00:00.5Z")
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseTimestamp([]byte(s))
		want, err := time.Parse(time.RFC3339Nano, s)
		if ok && err == nil && got != want.UnixNano() {
			t.Errorf("%q: %d, want %d", s, got, want.UnixNano())
		}
	})
}

func TestScanCountsMalformedLinesAndReadsQuotedFields(t *testing.T) {
	files := fstest.MapFS{"a.csv": {Data: []byte("system,timestamp,account_id,object,action\n" +
		"takuso,2026-11-20T09:00:00+09:00,u1,\"customer, 0001\",view\n" +
		"takuso,2026-11-20T09:00:00+09:00,u1\n" +
		"takuso,not-a-time,u1,x,view\n" +
		"\n" +
		",2026-11-20T09:00:00+09:00,u1,x,view\n")}}
	var got []string
	st, err := Scan(context.Background(), files, []string{"a.csv"}, func(a *Access) {
		got = append(got, string(a.System)+"|"+string(a.Account)+"|"+string(a.Object)+"|"+string(a.Action))
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "takuso|u1|customer, 0001|view" {
		t.Errorf("accesses %v", got)
	}
	if st.Lines != 4 || st.Malformed != 3 || st.First[0].Line != 3 || st.First[1].Line != 4 || st.First[2].Line != 6 {
		t.Errorf("stats %+v", st)
	}
	if _, err := Scan(context.Background(), fstest.MapFS{"b.csv": {Data: []byte("timestamp,system\n")}}, []string{"b.csv"}, func(*Access) {}); err == nil || !strings.Contains(err.Error(), `b.csv:1: missing column "account_id"`) {
		t.Errorf("missing column: %v", err)
	}
}

// TestTheResultColumnMarksRefusedAttempts: the optional result column in
// CSV and JSON lines: denied, failed, 拒否 and 失敗 are attempts; empty and
// allowed are accesses; anything else is a malformed line, not a guess.
func TestTheResultColumnMarksRefusedAttempts(t *testing.T) {
	files := fstest.MapFS{
		"a.csv": {Data: []byte("timestamp,system,account_id,action,object,result\n" +
			"2026-11-20T09:00:00+09:00,takuso,u1,view,x,denied\n" +
			"2026-11-20T09:01:00+09:00,takuso,u2,view,x,拒否\n" +
			"2026-11-20T09:02:00+09:00,takuso,u3,view,x,\n" +
			"2026-11-20T09:03:00+09:00,takuso,u4,view,x,allowed\n" +
			"2026-11-20T09:04:00+09:00,takuso,u5,view,x,maybe\n" +
			"2026-11-20T09:05:00+09:00,takuso,u6,view,x\n")},
		"b.jsonl": {Data: []byte(`{"timestamp":"2026-11-20T09:00:00+09:00","system":"takuso","account_id":"u7","result":"失敗"}` + "\n" +
			`{"timestamp":"2026-11-20T09:00:00+09:00","system":"takuso","account_id":"u8"}` + "\n")},
	}
	var got []string
	st, err := Scan(context.Background(), files, []string{"a.csv", "b.jsonl"}, func(a *Access) {
		got = append(got, fmt.Sprintf("%s=%v", a.Account, a.Denied))
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != "u1=true u2=true u3=false u4=false u6=false u7=true u8=false" {
		t.Errorf("accesses %v", got)
	}
	if st.Malformed != 1 || st.First[0].Line != 6 || !strings.Contains(st.First[0].Reason, `column result: expected allowed or denied`) {
		t.Errorf("stats %+v", st)
	}
}

func TestFilesExpandsGlobsInOrder(t *testing.T) {
	files := fstest.MapFS{"logs/b.csv": {}, "logs/a.csv": {}, "logs/c.jsonl": {}}
	got, err := Files(files, []string{"logs/*.csv", "logs/a.csv", "logs/*.jsonl"})
	if err != nil || strings.Join(got, ",") != "logs/a.csv,logs/b.csv,logs/c.jsonl" {
		t.Errorf("%v %v", got, err)
	}
	if _, err := Files(files, []string{"nope/*.csv"}); err == nil {
		t.Error("a pattern that matches nothing is not an error")
	}
}

// TestScanParallelAgreesWithScan: a file cut into parts gives the same
// accesses and the same malformed lines, with their real line numbers.
func TestScanParallelAgreesWithScan(t *testing.T) {
	var b strings.Builder
	b.WriteString("timestamp,system,account_id,action,object\n")
	for i := range 120_000 {
		if i == 100_000 {
			b.WriteString("garbage\n")
		}
		fmt.Fprintf(&b, "2026-11-20T%02d:%02d:%02d+09:00,takuso,u%d,view,customer/%06d\n", i/3600%24, i/60%60, i%60, i%997, i)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.csv"), []byte(b.String()), 0o644)
	files := config.OSFiles{}
	name := filepath.Join(dir, "a.csv")
	var one int64
	st1, err := Scan(context.Background(), files, []string{name}, func(a *Access) { one += a.At % 1000003 })
	if err != nil {
		t.Fatal(err)
	}
	sums := make([]int64, 3)
	fns := make([]func(*Access), 3)
	for i := range fns {
		fns[i] = func(a *Access) { sums[i] += a.At % 1000003 }
	}
	st3, err := ScanParallel(context.Background(), files, []string{name}, fns)
	if err != nil {
		t.Fatal(err)
	}
	if sums[0] == 0 || sums[1] == 0 || sums[2] == 0 {
		t.Errorf("a worker read nothing: %v", sums)
	}
	if sums[0]+sums[1]+sums[2] != one || st3.Lines != st1.Lines || st3.Malformed != 1 {
		t.Errorf("parallel %v %+v, serial %d %+v", sums, st3, one, st1)
	}
	if st1.First[0].Line != 100_002 || st3.First[0].Line != 100_002 {
		t.Errorf("malformed line: serial %d, parallel %d, want 100002", st1.First[0].Line, st3.First[0].Line)
	}
}

// TestOverlongLineIsMalformedNotMemory: a gzip'd log with one line of 3 MiB
// (a log with no line ends, a gzip bomb of one line) is read in bounded
// memory: the line counts as malformed, saying which limit and how to raise
// it, and the lines after it are read.
func TestOverlongLineIsMalformedNotMemory(t *testing.T) {
	var raw strings.Builder
	raw.WriteString("timestamp,system,account_id,action,object\n")
	raw.WriteString("2026-11-23T09:00:00+09:00,takuso,u1,read,a\n")
	raw.WriteString(strings.Repeat("x", 3<<20) + "\n")
	raw.WriteString("2026-11-23T10:00:00+09:00,takuso,u2,read,b\n")
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write([]byte(raw.String()))
	zw.Close()
	files := fstest.MapFS{"access.csv.gz": {Data: zipped.Bytes()}}
	var accounts []string
	st, err := Scan(context.Background(), files, []string{"access.csv.gz"}, func(a *Access) { accounts = append(accounts, string(a.Account)) })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(accounts, ",") != "u1,u2" || st.Malformed != 1 || len(st.First) != 1 || st.First[0].Line != 3 ||
		!strings.Contains(st.First[0].Reason, "longer than 1048576 bytes") || !strings.Contains(st.First[0].Reason, MaxLineEnv) {
		t.Errorf("accounts %v, stats %+v", accounts, st)
	}
}
