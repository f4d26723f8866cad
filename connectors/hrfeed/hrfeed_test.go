package hrfeed

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/accessrecon/accessrecon/graph"
	"golang.org/x/text/encoding/japanese"
)

const people = "employee_id,name,company,unit,employment,start_date,end_date,mail\n" +
	"E1,山田 太郎,NW,NW-OPS,employee,2010-04-01,,\n" +
	"E2,髙橋 はしごだか,HD,HD-RETAIL,contractor,2024/04/01,2026/03/31,e2@hd.example.jp\n"

// Columns in another order, with an extra one, must read the same.
const peopleReordered = "mail,extra,unit,employee_id,company,name,end_date,start_date,employment\n" +
	",x,NW-OPS,E1,NW,山田 太郎,,2010-04-01,employee\n" +
	"e2@hd.example.jp,y,HD-RETAIL,E2,HD,髙橋 はしごだか,2026-03-31,2024-04-01,contractor\n"

func org(t *testing.T) *graph.Graph {
	t.Helper()
	g := graph.New()
	w := g.Writer()
	for _, c := range []string{"NW", "HD"} {
		if err := w.AddCompany(&graph.Company{ID: c, Kind: "other"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []*graph.Unit{{ID: "NW-OPS", Company: "NW"}, {ID: "HD-RETAIL", Company: "HD"}} {
		if err := w.AddUnit(u); err != nil {
			t.Fatal(err)
		}
	}
	w.Commit()
	return g
}

func pull(t *testing.T, files fstest.MapFS, encoding string) (*graph.Graph, error) {
	t.Helper()
	g := org(t)
	w := g.Writer()
	_, err := (&Feed{Files: files, People: "people.csv", Encoding: encoding}).Pull(context.Background(), w)
	if err == nil {
		w.Commit()
	}
	return g, err
}

func sjis(t *testing.T, s string) []byte {
	t.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPeopleInEveryAcceptedShape(t *testing.T) {
	tests := []struct {
		name     string
		data     []byte
		encoding string
	}{
		{"UTF-8", []byte(people), "utf-8"},
		{"UTF-8 with BOM", append([]byte("\ufeff"), people...), "utf-8"},
		{"UTF-8 with BOM while shift_jis is configured", append([]byte("\ufeff"), people...), "shift_jis"},
		{"Shift_JIS (CP932, with 髙 and はしご)", sjis(t, people), "shift_jis"},
		{"CRLF line ends", []byte(strings.ReplaceAll(people, "\n", "\r\n")), "utf-8"},
		{"columns in another order", []byte(peopleReordered), "utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := pull(t, fstest.MapFS{"people.csv": {Data: tt.data}}, tt.encoding)
			if err != nil {
				t.Fatal(err)
			}
			s := g.Snapshot()
			p := s.Person("E2")
			if p == nil {
				t.Fatal("E2 not loaded")
			}
			if p.Name != "髙橋 はしごだか" || p.Unit != "HD-RETAIL" || p.Employment != "contractor" ||
				p.StartDate.String() != "2024-04-01" || p.EndDate.String() != "2026-03-31" {
				t.Errorf("E2 read as %+v", p)
			}
			if len(s.People()) != 2 {
				t.Errorf("%d people, want 2", len(s.People()))
			}
		})
	}
}

func TestPersonWhoseCompanyDisagreesWithTheUnit(t *testing.T) {
	data := "employee_id,name,company,unit,employment,start_date,end_date\nE1,x,HD,NW-OPS,employee,2010-04-01,\n"
	_, err := pull(t, fstest.MapFS{"people.csv": {Data: []byte(data)}}, "")
	if err == nil || !strings.Contains(err.Error(), "people.csv:2: column company (3): ") || !strings.Contains(err.Error(), `unit "NW-OPS" belongs to company "NW"`) {
		t.Fatalf("got %v", err)
	}
}

func TestEmptyFileAndEndBeforeStart(t *testing.T) {
	if _, err := pull(t, fstest.MapFS{"people.csv": {Data: nil}}, ""); err == nil || !strings.Contains(err.Error(), "people.csv:1: the file is empty") {
		t.Errorf("empty file: %v", err)
	}
	data := "employee_id,name,company,unit,employment,start_date,end_date\nE1,x,NW,NW-OPS,employee,2020-04-01,2019-03-31\n"
	if _, err := pull(t, fstest.MapFS{"people.csv": {Data: []byte(data)}}, ""); err == nil || !strings.Contains(err.Error(), "people.csv:2: column end_date (7): end_date 2019-03-31 is before start_date 2020-04-01") {
		t.Errorf("end before start: %v", err)
	}
}
