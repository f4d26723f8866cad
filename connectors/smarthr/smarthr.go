// Package smarthr reads the HR feed from SmartHR (hr.source: {type:
// smarthr}): its crews (従業員) through the REST API, each a row of a
// people.csv: emp_code as the employee id, the department as the unit,
// the employment type, 入社年月日 (entered_at) and 退職年月日
// (resigned_at), the business e-mail.
package smarthr

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/input"
)

// Type is the `smarthr` type: an HR feed only.
var Type = connectors.Type{Name: "smarthr", NewHRSpec: func() connectors.HRSpec { return &Spec{} }}

// Spec is hr.source of type smarthr:
//
//	hr:
//	  source:
//	    type: smarthr
//	    base_url: https://TENANT.smarthr.jp/api   # the tenant's API
//	    token_env: SMARTHR_TOKEN                   # default; or token_file (never inline)
//	    unit: code                                 # the department's code (default) or name is the unit id
//	  values: {unit: {営業一課: HD-RETAIL}}        # department → unit, when they differ
//	  history: hr-history.json                    # transfers and leavers derived from the snapshots
type Spec struct {
	BaseURL   string     `yaml:"base_url"`
	TokenEnv  string     `yaml:"token_env"`
	TokenFile input.Path `yaml:"token_file"`
	// Unit is which of a department's attributes is the unit id: code
	// (部署コード, the default) or name.
	Unit string `yaml:"unit"`
	// PerPage is the crews asked for a page (default and most: 100).
	PerPage int `yaml:"per_page"`
	// MaxRateWait is how long to wait at most when SmartHR answers 429
	// (its limits: 10 requests a second, 5,000 an hour per token).
	MaxRateWait string `yaml:"max_rate_wait"`
	// WebhookTokenEnv (or WebhookTokenFile) holds the secret token
	// registered with SmartHR's webhook: serve then takes the webhook at
	// POST /v1/hooks/hr and checks the transfers it announces.
	WebhookTokenEnv  string     `yaml:"webhook_token_env"`
	WebhookTokenFile input.Path `yaml:"webhook_token_file"`
}

// Check checks the fields.
func (s *Spec) Check(connectors.CheckEnv) error {
	u, err := url.Parse(s.BaseURL)
	if s.BaseURL == "" || err != nil || u.Host == "" {
		return input.FieldErrorf("base_url", "expected the tenant's API, e.g. https://TENANT.smarthr.jp/api, got %q", s.BaseURL)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && (u.Hostname() == "localhost" || strings.HasPrefix(u.Hostname(), "127."))) {
		return input.FieldErrorf("base_url", "expected https (http only on this computer: the token would go in plain text), got %q", s.BaseURL)
	}
	if s.Unit != "" && s.Unit != "code" && s.Unit != "name" {
		return input.FieldErrorf("unit", "expected code or name, got %q", s.Unit)
	}
	if s.PerPage < 0 || s.PerPage > 100 {
		return input.FieldErrorf("per_page", "expected 1 to 100, got %d", s.PerPage)
	}
	if s.MaxRateWait != "" {
		if d, err := time.ParseDuration(s.MaxRateWait); err != nil || d < 0 {
			return input.FieldErrorf("max_rate_wait", "expected a duration such as 5m, got %q", s.MaxRateWait)
		}
	}
	return nil
}

// OpenPeople reads the token; the crews are read as the rows are asked for.
func (s *Spec) OpenPeople(ctx context.Context, env connectors.Env) (connectors.Rows, func() string, error) {
	token, err := input.Secret(env.Files, s.TokenEnv, "SMARTHR_TOKEN", s.TokenFile)
	if err != nil {
		return nil, nil, err
	}
	log := env.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &rows{base: strings.TrimRight(s.BaseURL, "/"), token: token, byName: s.Unit == "name", perPage: 100, maxWait: 5 * time.Minute, log: log,
		Client: &http.Client{Timeout: 2 * time.Minute}, sleep: connectors.Sleep, ctx: ctx}
	if s.PerPage > 0 {
		r.perPage = s.PerPage
	}
	if s.MaxRateWait != "" {
		r.maxWait, _ = time.ParseDuration(s.MaxRateWait)
	}
	return r, r.digest, nil
}

// Header is the people.csv columns the rows have.
var Header = []string{"employee_id", "name", "unit", "employment", "start_date", "end_date", "mail"}

type department struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Code string `json:"code"`
}

type employmentType struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type crew struct {
	ID             string          `json:"id"`
	EmpCode        string          `json:"emp_code"`
	LastName       string          `json:"last_name"`
	FirstName      string          `json:"first_name"`
	BusinessEmail  string          `json:"business_email"`
	Email          string          `json:"email"`
	Departments    []*department   `json:"departments"`
	DepartmentIDs  []string        `json:"department_ids"`
	EmploymentType *employmentType `json:"employment_type"`
	EmploymentID   string          `json:"employment_type_id"`
	EnteredAt      string          `json:"entered_at"`
	ResignedAt     string          `json:"resigned_at"`
	EmpStatus      string          `json:"emp_status"`
}

// rows are the crews as people.csv rows, read a page at a time.
type rows struct {
	base, token string
	byName      bool
	perPage     int
	maxWait     time.Duration
	log         *slog.Logger
	Client      *http.Client
	sleep       func(context.Context, time.Duration) error
	ctx         context.Context

	started     bool
	depts       map[string]*department
	types       map[string]string
	page, total int
	buf         []crew
	row         int
	read        int
	hashes      []string
	requests    int
	// several counts the crews in more than one department (兼務),
	// severalFirst names the first few.
	several      int
	severalFirst []string
	reported     bool
}

// Requests is how many requests the reading made (tests, benchmarks).
func (r *rows) Requests() int { return r.requests }

func (r *rows) Line() int { return r.row }

func (r *rows) Read() ([]string, error) {
	if !r.started {
		r.started = true
		if err := r.masters(); err != nil {
			return nil, err
		}
		return slices.Clone(Header), nil
	}
	for len(r.buf) == 0 {
		if r.page > 0 && r.read >= r.total {
			if r.several > 0 && !r.reported {
				r.reported = true
				r.log.Warn("smarthr: crews in more than one department: the first department is taken as the unit", "crews", r.several, "first", r.severalFirst)
			}
			return nil, io.EOF
		}
		if err := r.nextPage(); err != nil {
			return nil, err
		}
	}
	c := r.buf[0]
	r.buf = r.buf[1:]
	r.row++
	out, err := r.rowOf(c)
	if err != nil {
		return nil, err
	}
	r.hashes = append(r.hashes, strings.Join(out, "\x1f"))
	return out, nil
}

func (r *rows) rowOf(c crew) ([]string, error) {
	unit := ""
	ds := slices.DeleteFunc(slices.Clone(c.Departments), func(d *department) bool { return d == nil })
	if len(ds) == 0 {
		for _, id := range c.DepartmentIDs {
			d := r.depts[id]
			if d == nil {
				return nil, input.Errorf("hr.source:%d: crew %s (%s) is in department %s, which is not among the departments read", r.row, c.EmpCode, c.ID, id)
			}
			ds = append(ds, d)
		}
	}
	if len(ds) > 1 { // 兼務: the first is the unit; counted and reported at the end
		if r.several++; len(r.severalFirst) < 5 {
			r.severalFirst = append(r.severalFirst, c.EmpCode)
		}
	}
	if len(ds) > 0 {
		unit = ds[0].Code
		if r.byName || unit == "" {
			unit = ds[0].Name
		}
	}
	employment := ""
	if c.EmploymentType != nil {
		employment = c.EmploymentType.Name
	} else {
		employment = r.types[c.EmploymentID]
	}
	mail := c.BusinessEmail
	if mail == "" {
		mail = c.Email
	}
	end := c.ResignedAt
	if c.EmpStatus == "retired" && end == "" {
		return nil, input.Errorf("hr.source:%d: crew %s (%s) is retired without resigned_at (退職年月日)", r.row, c.EmpCode, c.ID)
	}
	return []string{c.EmpCode, strings.TrimSpace(c.LastName + " " + c.FirstName), unit, employment, c.EnteredAt, end, mail}, nil
}

// masters reads the departments and employment types.
func (r *rows) masters() error {
	r.depts, r.types = map[string]*department{}, map[string]string{}
	for page := 1; ; page++ {
		var ds []*department
		total, err := r.get(fmt.Sprintf("/v1/departments?page=%d&per_page=100", page), &ds)
		if err != nil {
			return err
		}
		for _, d := range ds {
			r.depts[d.ID] = d
		}
		if len(ds) == 0 || len(r.depts) >= total {
			break
		}
	}
	var ts []employmentType
	if _, err := r.get("/v1/employment_types?page=1&per_page=100", &ts); err != nil {
		return err
	}
	for _, t := range ts {
		r.types[t.ID] = t.Name
	}
	return nil
}

func (r *rows) nextPage() error {
	r.page++
	var cs []crew
	total, err := r.get(fmt.Sprintf("/v1/crews?page=%d&per_page=%d", r.page, r.perPage), &cs)
	if err != nil {
		return err
	}
	r.total = total
	if len(cs) == 0 && r.read < r.total {
		return i18n.Errorf("GET /v1/crews: SmartHR says %d crews (x-total-count) but page %d is empty after %d: nothing is planned from a partial list", r.total, r.page, r.read)
	}
	r.read += len(cs)
	r.buf = cs
	return nil
}

// get reads a list and its x-total-count, waiting out a 429 within
// max_rate_wait (5 tries).
func (r *rows) get(path string, v any) (int, error) {
	resp, err := r.getOne(path, v)
	if err != nil {
		return 0, err
	}
	total, err := strconv.Atoi(resp.Header.Get("x-total-count"))
	if err != nil {
		return 0, i18n.Errorf("GET %s: no x-total-count header: the list's end cannot be told", path)
	}
	return total, nil
}

// getOne reads one answer into v.
func (r *rows) getOne(path string, v any) (*http.Response, error) {
	for try := 1; ; try++ {
		req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, r.base+path, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+r.token)
		req.Header.Set("Accept", "application/json")
		r.requests++
		resp, err := r.Client.Do(req)
		if err != nil {
			return nil, i18n.Errorf("GET %s: %w", path, err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		if err != nil {
			return nil, i18n.Errorf("GET %s: %w", path, err)
		}
		if resp.StatusCode == http.StatusTooManyRequests && try < 5 {
			wait := time.Second
			if n, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
				wait = time.Duration(n) * time.Second
			}
			if wait > r.maxWait {
				return nil, i18n.Errorf("GET %s: SmartHR asks to wait %s, more than max_rate_wait %s", path, wait, r.maxWait)
			}
			r.log.Warn("smarthr: asked to slow down", "wait", wait)
			if err := r.sleep(r.ctx, wait); err != nil {
				return nil, err
			}
			continue
		}
		if resp.StatusCode != http.StatusOK {
			var e struct {
				Message string `json:"message"`
			}
			json.Unmarshal(body, &e)
			return nil, i18n.Errorf("GET %s: %s %s", path, resp.Status, strings.ToValidUTF8(e.Message, "?"))
		}
		if err := json.Unmarshal(body, v); err != nil {
			return nil, i18n.Errorf("GET %s: not SmartHR's list: %w", path, err)
		}
		return resp, nil
	}
}

// digest is the digest of the rows read, whatever their order.
func (r *rows) digest() string {
	s := slices.Clone(r.hashes)
	slices.Sort(s)
	h := sha256.New()
	for _, x := range s {
		io.WriteString(h, x)
		h.Write([]byte{'\n'})
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
