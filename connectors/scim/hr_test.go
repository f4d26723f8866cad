package scim

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/scim/scimtest"
)

// TestPeopleFromAnHRServicesSCIM: the users of an HR service's SCIM
// endpoint as people.csv rows: the employee number, the department as the
// unit, the manager's employee number (SCIM names the manager by user id),
// an inactive user left out (a leaver, for hr.history).
func TestPeopleFromAnHRServicesSCIM(t *testing.T) {
	p := scimtest.Start(t)
	boss := p.Person("sato", "E1001", "NW-CUSTOMER", "", true)
	p.Person("tanaka", "E1004", "NW-CUSTOMER", boss, true)
	p.Person("ogawa", "E1030", "NW-CUSTOMER", boss, false)
	t.Setenv("TEST_HR_TOKEN", scimtest.Token)
	h := &HRSpec{BaseURL: p.URL, TokenEnv: "TEST_HR_TOKEN"}
	if err := h.Check(connectors.CheckEnv{}); err != nil {
		t.Fatal(err)
	}
	rows, digest, err := h.OpenPeople(context.Background(), connectors.Env{Files: os.DirFS("/")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		r, err := rows.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join(r, ","))
	}
	want := "employee_id,name,unit,employment,mail,manager,start_date,end_date|E1001,sato,NW-CUSTOMER,,,,,|E1004,tanaka,NW-CUSTOMER,,,E1001,,"
	if strings.Join(got, "|") != want {
		t.Errorf("rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.ReplaceAll(want, "|", "\n"))
	}
	if !strings.HasPrefix(digest(), "sha256:") {
		t.Errorf("digest %q", digest())
	}
	if err := (&HRSpec{BaseURL: p.URL, Unit: "team"}).Check(connectors.CheckEnv{}); err == nil {
		t.Error("unit: team was taken")
	}
}
