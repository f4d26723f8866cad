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

// TestJapaneseHRExportAsItComes: Japanese headers, 姓 and 名 in two columns,
// no company column (the unit's), employment as HR writes it, slash and era
// dates, in CP932 as Japanese Excel saves it.
func TestJapaneseHRExportAsItComes(t *testing.T) {
	csv := "社員番号,姓,名,所属コード,雇用区分,入社日,退職日,メールアドレス\r\n" +
		"E2001,佐藤,花子,NW-OPS,正社員,2019/4/1,,e2001@nw.example.jp\r\n" +
		"E2002,鈴木,一郎,HD-IT,業務委託,R6.4.1,令和8年3月31日,\r\n"
	sjis, err := japanese.ShiftJIS.NewEncoder().String(csv)
	if err != nil {
		t.Fatal(err)
	}
	files := fstest.MapFS{"people.csv": {Data: []byte(sjis)}}
	g := graph.New()
	w := g.Writer()
	w.AddCompany(&graph.Company{ID: "NW"})
	w.AddCompany(&graph.Company{ID: "HD"})
	w.AddUnit(&graph.Unit{ID: "NW-OPS", Company: "NW"})
	w.AddUnit(&graph.Unit{ID: "HD-IT", Company: "HD"})
	feed := &Feed{Files: files, People: "people.csv", Encoding: "shift_jis"}
	if _, err := feed.Pull(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	w.Commit()
	s := g.Snapshot()
	a, b := s.Person("E2001"), s.Person("E2002")
	if a == nil || a.Name != "佐藤 花子" || a.Company != "NW" || a.Employment != "employee" || a.StartDate.String() != "2019-04-01" {
		t.Errorf("E2001: %+v", a)
	}
	if b == nil || b.Company != "HD" || b.Employment != "contractor" || b.StartDate.String() != "2024-04-01" || b.EndDate.String() != "2026-03-31" {
		t.Errorf("E2002: %+v", b)
	}
	files["people.csv"] = &fstest.MapFile{Data: []byte("社員番号,所属コード,雇用区分,入社日,退職日\nE2003,NW-OPS,正社員,2020-04-01,\n")}
	feed.Encoding = "utf-8"
	if _, err := feed.Pull(context.Background(), graph.New().Writer()); err == nil || !strings.Contains(err.Error(), "姓, 名") {
		t.Errorf("no name column: %v", err)
	}
}
