package hrfeed

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/accessrecon/accessrecon/graph"
)

func day(t *testing.T, s string) graph.Date {
	t.Helper()
	d, err := graph.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// snapshot pulls people.csv with the history h as of seen and returns what
// was derived and the graph.
func snapshot(t *testing.T, h *History, csv string, seen graph.Date) (*Derived, *graph.Snapshot) {
	t.Helper()
	g := org(t)
	w := g.Writer()
	st := (&Feed{Files: fstest.MapFS{"people.csv": {Data: []byte(csv)}}, People: "people.csv", History: h, SeenOn: seen}).Stage(context.Background(), nil)
	if _, err := st.Write(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	w.Commit()
	return st.Derived(), g.Snapshot()
}

// TestHistoryDerivesMoversLeaversAndReturns: a move dated by the export's
// 異動日 column, a leaver whose 退職日 the last snapshot knew, a leaver
// without one (the day before the snapshot), and a leaver who comes back.
func TestHistoryDerivesMoversLeaversAndReturns(t *testing.T) {
	const head = "社員番号,氏名,所属コード,雇用区分,入社日,退職日,異動日\n"
	d1, _ := snapshot(t, &History{Version: 1}, head+
		"E1,a,NW-OPS,正社員,2010-04-01,,\n"+
		"E2,b,NW-OPS,正社員,2010-04-01,2026-11-15,\n"+
		"E3,c,HD-RETAIL,正社員,2010-04-01,,\n", day(t, "2026-11-01"))
	if d1.NewTransfers+d1.NewDeparted != 0 {
		t.Fatalf("the first snapshot derived %+v", d1)
	}
	d2, s2 := snapshot(t, d1.Next, head+"E1,a,HD-RETAIL,正社員,2010-04-01,,2026/11/10\n", day(t, "2026-12-01"))
	if d2.NewTransfers != 1 || d2.NewDeparted != 2 {
		t.Fatalf("derived %+v", d2)
	}
	ts := s2.TransfersOf("E1")
	if len(ts) != 1 || ts[0].FromUnit != "NW-OPS" || ts[0].ToUnit != "HD-RETAIL" || ts[0].Effective.String() != "2026-11-10" || ts[0].EventID != eventID("E1", "NW-OPS", "HD-RETAIL", day(t, "2026-11-10")) {
		t.Errorf("E1's transfer: %+v", ts)
	}
	if p := s2.Person("E1"); p == nil || p.Unit != "NW-OPS" || p.Company != "NW" {
		t.Errorf("E1 in the graph is the assignment before the transfer (SPEC): %+v", p)
	}
	if p := s2.Person("E2"); p == nil || p.EndDate.String() != "2026-11-15" {
		t.Errorf("E2 (退職日 known): %+v", p)
	}
	if p := s2.Person("E3"); p == nil || p.EndDate.String() != "2026-11-30" || !p.HasLeft(day(t, "2026-12-01")) {
		t.Errorf("E3 (gone without a date): %+v", p)
	}
	// E3 is back; E1's transfer stays, E2 stays a leaver.
	d3, s3 := snapshot(t, d2.Next, head+"E1,a,HD-RETAIL,正社員,2010-04-01,,2026/11/10\nE3,c,HD-RETAIL,正社員,2026-12-15,,\n", day(t, "2027-01-05"))
	if d3.NewTransfers+d3.NewDeparted != 0 || len(d3.Departed) != 1 || len(s3.TransfersOf("E1")) != 1 {
		t.Errorf("after the return: %+v", d3)
	}
	if p := s3.Person("E3"); p == nil || !p.EndDate.IsZero() {
		t.Errorf("E3 came back: %+v", p)
	}
	// The history round-trips through its file.
	data, err := d3.Next.Encode()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "h.json")
	os.WriteFile(path, data, 0o600)
	h, digest, err := ReadHistory(path)
	if err != nil || !strings.HasPrefix(digest, "sha256:") || len(h.Transfers) != 1 || len(h.Departed) != 1 {
		t.Errorf("read back: %+v %s %v", h, digest, err)
	}
	os.WriteFile(path, []byte(`{"version": 7}`), 0o600)
	if _, _, err := ReadHistory(path); err == nil || !strings.Contains(err.Error(), "move it away") {
		t.Errorf("a foreign file: %v", err)
	}
}
