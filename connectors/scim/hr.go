package scim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/input"
)

// HRSpec is hr.source of type scim: an HR service's SCIM endpoint
// (HRMOS's, or any that gives the enterprise extension) as the HR feed.
//
//	hr:
//	  source:
//	    type: scim
//	    base_url: https://example.hrmos.co/scim/v2
//	    token_env: HR_SCIM_TOKEN
//	    employee_id: employeeNumber   # or externalId, userName
//	    unit: department              # the enterprise extension's department (default), division or organization
//	  history: hr-history.json
type HRSpec struct {
	BaseURL     string     `yaml:"base_url"`
	TokenEnv    string     `yaml:"token_env"`
	TokenFile   input.Path `yaml:"token_file"`
	EmployeeID  string     `yaml:"employee_id"`
	Unit        string     `yaml:"unit"`
	PageSize    int        `yaml:"page_size"`
	MaxRateWait string     `yaml:"max_rate_wait"`
	// WebhookSecretEnv (or WebhookSecretFile) is the secret of the signed
	// webhook serve then takes at POST /v1/hooks/hr (see Sign).
	WebhookSecretEnv  string     `yaml:"webhook_secret_env"`
	WebhookSecretFile input.Path `yaml:"webhook_secret_file"`
}

// Check checks the fields.
func (h *HRSpec) Check(env connectors.CheckEnv) error {
	s := &Spec{BaseURL: h.BaseURL, PageSize: h.PageSize, MaxRateWait: h.MaxRateWait}
	if err := s.Check(env); err != nil {
		return err
	}
	if h.EmployeeID != "" && h.EmployeeID != "employeeNumber" && h.EmployeeID != "externalId" && h.EmployeeID != "userName" {
		return input.FieldErrorf("employee_id", "expected employeeNumber, externalId or userName, got %q", h.EmployeeID)
	}
	if h.Unit != "" && h.Unit != "department" && h.Unit != "division" && h.Unit != "organization" {
		return input.FieldErrorf("unit", "expected department, division or organization, got %q", h.Unit)
	}
	return nil
}

// PeopleHeader is the people.csv columns of the rows.
var PeopleHeader = []string{"employee_id", "name", "unit", "employment", "mail", "manager", "start_date", "end_date"}

// person is a SCIM User as an HR service gives it.
type person struct {
	ID         string `json:"id"`
	UserName   string `json:"userName"`
	ExternalID string `json:"externalId"`
	UserType   string `json:"userType"`
	Active     *bool  `json:"active"`
	Display    string `json:"displayName"`
	Name       struct {
		Formatted  string `json:"formatted"`
		FamilyName string `json:"familyName"`
		GivenName  string `json:"givenName"`
	} `json:"name"`
	Emails []struct {
		Value   string `json:"value"`
		Primary bool   `json:"primary"`
	} `json:"emails"`
	Enterprise *struct {
		EmployeeNumber string `json:"employeeNumber"`
		Department     string `json:"department"`
		Division       string `json:"division"`
		Organization   string `json:"organization"`
		Manager        *struct {
			Value string `json:"value"`
		} `json:"manager"`
	} `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
}

// OpenPeople reads the token; the users are read when the rows are.
func (h *HRSpec) OpenPeople(ctx context.Context, env connectors.Env) (connectors.Rows, func() string, error) {
	spec := &Spec{BaseURL: h.BaseURL, TokenEnv: h.TokenEnv, TokenFile: h.TokenFile, PageSize: h.PageSize, MaxRateWait: h.MaxRateWait}
	if spec.TokenEnv == "" && spec.TokenFile.IsZero() {
		spec.TokenEnv = "HR_SCIM_TOKEN"
	}
	src, err := spec.Open(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	s := src.(*Source)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	r := &peopleRows{ctx: ctx, s: s, spec: h}
	return r, r.digest, nil
}

type peopleRows struct {
	ctx    context.Context
	s      *Source
	spec   *HRSpec
	rows   [][]string
	next   int
	read   bool
	hashes []string
}

func (r *peopleRows) Line() int { return r.next }

func (r *peopleRows) Read() ([]string, error) {
	if !r.read {
		r.read = true
		if err := r.load(); err != nil {
			return nil, err
		}
		return slices.Clone(PeopleHeader), nil
	}
	if r.next >= len(r.rows) {
		return nil, io.EOF
	}
	r.next++
	return r.rows[r.next-1], nil
}

// load reads every user (a manager is named by the SCIM id of another),
// and makes a row of each active one: an inactive user has left, and is
// left out (hr.history derives the leaver).
func (r *peopleRows) load() error {
	users, err := list[person](r.ctx, r.s, "Users", r.s.pageSize)
	if err != nil {
		return err
	}
	employee := map[string]string{}
	for _, u := range users {
		employee[u.ID] = r.idOf(u)
	}
	for _, u := range users {
		if u.Active != nil && !*u.Active {
			continue
		}
		name := u.Name.Formatted
		if name == "" {
			name = strings.TrimSpace(u.Name.FamilyName + " " + u.Name.GivenName)
		}
		if name == "" {
			name = u.Display
		}
		mail := ""
		for _, e := range u.Emails {
			if mail == "" || e.Primary {
				mail = e.Value
			}
		}
		unit, manager := r.spec.unitOf(u), ""
		if e := u.Enterprise; e != nil && e.Manager != nil {
			manager = employee[e.Manager.Value]
		}
		row := []string{r.idOf(u), name, unit, u.UserType, mail, manager, "", ""}
		r.rows = append(r.rows, row)
		r.hashes = append(r.hashes, strings.Join(row, "\x1f"))
	}
	return nil
}

// unitOf is the user's unit: the enterprise extension's attribute unit:
// names.
func (h *HRSpec) unitOf(u person) string {
	e := u.Enterprise
	if e == nil {
		return ""
	}
	switch h.Unit {
	case "division":
		return e.Division
	case "organization":
		return e.Organization
	}
	return e.Department
}

func (r *peopleRows) idOf(u person) string {
	switch r.spec.EmployeeID {
	case "externalId":
		return u.ExternalID
	case "userName":
		return u.UserName
	}
	if u.Enterprise != nil {
		return u.Enterprise.EmployeeNumber
	}
	return ""
}

func (r *peopleRows) digest() string {
	s := slices.Clone(r.hashes)
	slices.Sort(s)
	h := sha256.New()
	for _, x := range s {
		io.WriteString(h, x+"\n")
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
