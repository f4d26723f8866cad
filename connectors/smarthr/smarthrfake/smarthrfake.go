// Package smarthrfake is a stateful fake of SmartHR's REST API for tests,
// in the shapes of its API reference (developer.smarthr.jp/api): GET
// /api/v1/crews, /api/v1/departments and /api/v1/employment_types as JSON
// arrays, page and per_page (at most 100), the x-total-count header, a
// bearer token, and 429 with Retry-After when asked to throttle.
package smarthrfake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// Token is the access token the fake takes.
const Token = "smarthr-test-token"

// Department and EmploymentType are master records.
type Department struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Code string `json:"code"`
}

type EmploymentType struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Crew is an employee as the API gives it (the fields read).
type Crew struct {
	ID             string          `json:"id"`
	EmpCode        string          `json:"emp_code"`
	LastName       string          `json:"last_name"`
	FirstName      string          `json:"first_name"`
	BusinessEmail  string          `json:"business_email"`
	Departments    []Department    `json:"departments"`
	EmploymentType *EmploymentType `json:"employment_type"`
	EnteredAt      string          `json:"entered_at"`
	ResignedAt     *string         `json:"resigned_at"`
	EmpStatus      string          `json:"emp_status"`
}

// Fake is the API.
type Fake struct {
	mu       sync.Mutex
	Crews    []*Crew
	Depts    []Department
	Types    []EmploymentType
	URL      string
	Requests atomic.Int32
	Throttle atomic.Int32
}

// Start starts the fake; it stops when the test ends. Its URL is the
// tenant's API base (…/api).
func Start(t testing.TB) *Fake {
	t.Helper()
	f := &Fake{}
	mux := http.NewServeMux()
	list := func(get func() []any) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			page, _ := strconv.Atoi(r.URL.Query().Get("page"))
			per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
			if page < 1 {
				page = 1
			}
			if per < 1 {
				per = 10
			}
			if per > 100 {
				http.Error(w, `{"code":4,"type":"bad_request","message":"per_page must be 100 or less"}`, http.StatusBadRequest)
				return
			}
			f.mu.Lock()
			all := get()
			f.mu.Unlock()
			from, to := min(len(all), (page-1)*per), min(len(all), page*per)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("x-total-count", strconv.Itoa(len(all)))
			w.Header().Set("x-rate-limit-remaining", "4999")
			json.NewEncoder(w).Encode(all[from:to])
		}
	}
	mux.HandleFunc("GET /api/v1/crews", list(func() []any { return anys(f.Crews) }))
	mux.HandleFunc("GET /api/v1/crews/{id}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, c := range f.Crews {
			if c.ID == r.PathValue("id") {
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(c)
				return
			}
		}
		http.Error(w, `{"code":3,"type":"not_found","message":"Not Found"}`, http.StatusNotFound)
	})
	mux.HandleFunc("GET /api/v1/departments", list(func() []any { return anys(f.Depts) }))
	mux.HandleFunc("GET /api/v1/employment_types", list(func() []any { return anys(f.Types) }))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.Requests.Add(1)
		if r.Header.Get("Authorization") != "Bearer "+Token {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"code":2,"type":"unauthorized","message":"アクセストークンが無効です"}`))
			return
		}
		if f.Throttle.Load() > 0 {
			f.Throttle.Add(-1)
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"code":429,"type":"too_many_requests","message":"Rate limit exceeded"}`))
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.URL = srv.URL + "/api"
	return f
}

func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// Webhook is the body SmartHR posts for an event about a crew, as its
// webhook documentation gives it (event, triggered_at, sender, crew).
func (f *Fake) Webhook(event, empCode, triggeredAt string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.Crews {
		if c.EmpCode == empCode {
			b, _ := json.Marshal(map[string]any{"event": event, "triggered_at": triggeredAt, "sender": nil, "crew": c})
			return b
		}
	}
	return nil
}

// Move puts a crew in another department (a 異動 registered in SmartHR).
func (f *Fake) Move(empCode string, d Department) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.Crews {
		if c.EmpCode == empCode {
			c.Departments = []Department{d}
		}
	}
}

// Resign records a crew's 退職年月日.
func (f *Fake) Resign(empCode, day string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.Crews {
		if c.EmpCode == empCode {
			c.ResignedAt, c.EmpStatus = &day, "retired"
		}
	}
}
