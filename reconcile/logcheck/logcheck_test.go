package logcheck_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/accessrecon/accessrecon/fixtures/generate"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile/calendar"
	"github.com/accessrecon/accessrecon/reconcile/logcheck"
	"github.com/accessrecon/accessrecon/reconcile/reconciletest"
)

// TestLogsCheckInPartsEqualsOneReader: a plain CSV log big enough to be read
// in one part per core gives the report that reading it whole gives (the
// same log gzipped is read by one reader).
func TestLogsCheckInPartsEqualsOneReader(t *testing.T) {
	cfg, plain := reconciletest.Generated(t, 300, 7, 120_000)
	if info, _ := os.Stat(plain); info.Size() < 4<<20 {
		t.Fatalf("the log is %d bytes, too small to be split", info.Size())
	}
	zipped := filepath.Join(filepath.Dir(plain), "access.csv.gz")
	gzipFile(t, plain, zipped)
	in, pol := reconciletest.Load(t, cfg, policy.Bundled())
	cal, _ := calendar.New(nil)
	day, _ := graph.ParseDate(generate.AsOf)
	report := func(name string) (*logcheck.Report, string) {
		rep, err := logcheck.Run(context.Background(), in, pol, cal, day, cfg.Files, []string{name})
		if err != nil {
			t.Fatal(err)
		}
		data, _ := json.Marshal(rep)
		return rep, string(data)
	}
	parts, a := report(plain)
	_, b := report(zipped)
	if parts.AccessesChecked == 0 || len(parts.Findings) == 0 {
		t.Fatalf("nothing checked or found: %d accesses, %d findings", parts.AccessesChecked, len(parts.Findings))
	}
	if a != b {
		t.Errorf("the report read in parts differs from the one read whole (%d and %d bytes)", len(a), len(b))
	}
}

func gzipFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(out)
	if _, err := io.Copy(zw, in); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
