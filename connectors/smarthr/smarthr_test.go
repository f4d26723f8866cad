package smarthr

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/smarthr/smarthrfake"
)

func readAll(t *testing.T, f *smarthrfake.Fake, spec *Spec) ([][]string, int, error) {
	t.Helper()
	t.Setenv("TEST_SMARTHR_TOKEN", smarthrfake.Token)
	spec.BaseURL, spec.TokenEnv = f.URL, "TEST_SMARTHR_TOKEN"
	if err := spec.Check(connectors.CheckEnv{}); err != nil {
		t.Fatal(err)
	}
	rs, _, err := spec.OpenPeople(context.Background(), connectors.Env{Files: os.DirFS("/")})
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for {
		r, err := rs.Read()
		if err == io.EOF {
			return out, rs.(*rows).Requests(), nil
		}
		if err != nil {
			return out, rs.(*rows).Requests(), err
		}
		out = append(out, r)
	}
}

// TestCrewsAsPeopleRows: 250 crews at the most SmartHR gives a page (100):
// three pages, the fewest; the department's code as the unit (or its name),
// the employment type's name, 入社年月日 and 退職年月日 as the dates.
func TestCrewsAsPeopleRows(t *testing.T) {
	f := smarthrfake.Start(t)
	f.Depts = []smarthrfake.Department{{ID: "d1", Code: "NW-CUSTOMER", Name: "お客さまセンター"}}
	f.Types = []smarthrfake.EmploymentType{{ID: "t1", Name: "正社員"}}
	for i := range 250 {
		f.Crews = append(f.Crews, &smarthrfake.Crew{ID: fmt.Sprint(i), EmpCode: fmt.Sprintf("E%04d", i), LastName: "佐藤", FirstName: fmt.Sprint(i),
			Departments: f.Depts, EmploymentType: &f.Types[0], EnteredAt: "2020-04-01", EmpStatus: "employed", BusinessEmail: fmt.Sprintf("e%d@nw.example.jp", i)})
	}
	f.Resign("E0007", "2026-10-31")
	rows, requests, err := readAll(t, f, &Spec{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 251 || strings.Join(rows[0], ",") != strings.Join(Header, ",") {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	if got := strings.Join(rows[8], ","); got != "E0007,佐藤 7,NW-CUSTOMER,正社員,2020-04-01,2026-10-31,e7@nw.example.jp" {
		t.Errorf("E0007: %s", got)
	}
	if requests != 1+1+3 {
		t.Errorf("%d requests, want 5 (departments, employment types, 3 pages of crews)", requests)
	}
	rows, _, _ = readAll(t, f, &Spec{Unit: "name"})
	if rows[1][2] != "お客さまセンター" {
		t.Errorf("unit: name gives %q", rows[1][2])
	}
}

// TestARetiredCrewWithoutADateIsRefused: a crew SmartHR calls retired
// without 退職年月日 cannot be dated: the feed fails, naming the crew.
func TestARetiredCrewWithoutADateIsRefused(t *testing.T) {
	f := smarthrfake.Start(t)
	f.Crews = []*smarthrfake.Crew{{ID: "c1", EmpCode: "E1", LastName: "a", EmpStatus: "retired"}}
	if _, _, err := readAll(t, f, &Spec{}); err == nil || !strings.Contains(err.Error(), "crew E1 (c1) is retired without resigned_at") {
		t.Errorf("got %v", err)
	}
	if err := (&Spec{BaseURL: "https://t.smarthr.jp/api", PerPage: 500}).Check(connectors.CheckEnv{}); err == nil {
		t.Error("per_page 500 was taken (SmartHR gives 100 at most)")
	}
	if err := (&Spec{BaseURL: "http://t.smarthr.jp/api"}).Check(connectors.CheckEnv{}); err == nil {
		t.Error("an http URL to another computer was taken")
	}
}

// TestSeveralDepartmentsAreCountedAndAnUnknownOneRefused: a crew in two
// departments (兼務) gets the first as its unit, and the feed warns how many
// crews were so, naming the first; a department id that is not among the
// departments read fails the feed, naming the crew, rather than giving the
// crew another department or none.
func TestSeveralDepartmentsAreCountedAndAnUnknownOneRefused(t *testing.T) {
	f := smarthrfake.Start(t)
	a, b := smarthrfake.Department{ID: "d1", Name: "お客さまセンター", Code: "NW-CUSTOMER"}, smarthrfake.Department{ID: "d2", Name: "営業一課", Code: "HD-RETAIL"}
	f.Depts = []smarthrfake.Department{a, b}
	f.Crews = []*smarthrfake.Crew{
		{ID: "c1", EmpCode: "E1", LastName: "佐藤", Departments: []smarthrfake.Department{b, a}, EnteredAt: "2020-04-01", EmpStatus: "employed"},
		{ID: "c2", EmpCode: "E2", LastName: "鈴木", Departments: []smarthrfake.Department{a}, EnteredAt: "2020-04-01", EmpStatus: "employed"},
	}
	t.Setenv("TEST_SMARTHR_TOKEN", smarthrfake.Token)
	spec := &Spec{BaseURL: f.URL, TokenEnv: "TEST_SMARTHR_TOKEN"}
	if err := spec.Check(connectors.CheckEnv{}); err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	rs, _, err := spec.OpenPeople(context.Background(), connectors.Env{Files: os.DirFS("/"), Log: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var units []string
	for {
		r, err := rs.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		units = append(units, r[2])
	}
	if strings.Join(units, ",") != "unit,HD-RETAIL,NW-CUSTOMER" || !strings.Contains(logged.String(), "crews=1 first=[E1]") {
		t.Errorf("units %v, log:\n%s", units, logged.String())
	}
	r := &rows{depts: map[string]*department{"d1": {ID: "d1", Code: "NW-CUSTOMER"}}}
	if _, err := r.rowOf(crew{ID: "c3", EmpCode: "E3", DepartmentIDs: []string{"d1", "d9"}}); err == nil || !strings.Contains(err.Error(), "crew E3 (c3) is in department d9, which is not among the departments read") {
		t.Errorf("an unknown department id: %v", err)
	}
}
