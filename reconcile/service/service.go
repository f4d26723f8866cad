// Package service is the HTTP API that HR systems call when they register a
// transfer: check it against the separation rules before it is final, and
// get the transferee's plan ready for review before the effective date.
package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/atomicfile"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
)

// MaxBody is the largest request body accepted.
const MaxBody = 1 << 20

// Loader reads the config and every source, and compiles the policy.
type Loader func(ctx context.Context) (*inputs.Inputs, *reconcile.Policy, error)

// Options configure a Service.
type Options struct {
	Load   Loader
	Token  []byte // the bearer token; never logged
	Outbox string // folder of the plans written for review
	Log    *slog.Logger
	Now    func() time.Time
	// Hooks are HR services' webhooks, by the name in their path
	// (POST /v1/hooks/NAME): triggers to read a person again and check and
	// plan their transfer.
	Hooks map[string]connectors.HRHook
}

// Service answers the transfer API from a warm graph.
type Service struct {
	opts    Options
	current atomic.Pointer[warm]
	health  atomic.Pointer[health]
	refresh sync.Mutex // one refresh at a time

	mu     sync.Mutex // guards events and writes to the outbox
	events map[string]stored

	delivered *deliveries    // webhook deliveries taken, by key
	following sync.WaitGroup // the re-reads webhooks started

	metrics *metrics
}

type warm struct {
	inputs   *inputs.Inputs
	policy   *reconcile.Policy
	loadedAt time.Time
}

type health struct {
	lastAttempt time.Time
	lastError   string
}

// stored is a transfer already planned: its request, for idempotency.
type stored struct {
	request string // canonical JSON of the request
	plan    []byte
}

// New loads the graph once and the outbox of earlier plans. It fails if the
// first load fails: the service never answers from no data.
// MinTokenLength is the shortest API token serve takes (32 random bytes
// written as hex are 64 characters).
const MinTokenLength = 32

func New(ctx context.Context, o Options) (*Service, error) {
	if len(o.Token) == 0 {
		return nil, errors.New("serve: no API token: set ACCESSRECON_API_TOKEN or give --token-file")
	}
	if len(o.Token) < MinTokenLength {
		return nil, i18n.Errorf("serve: the API token has %d characters, fewer than %d: make one with `openssl rand -hex 32`", len(o.Token), MinTokenLength)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Service{opts: o, events: map[string]stored{}, metrics: newMetrics()}
	if err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	var err error
	if s.delivered, err = openDeliveries(o.Outbox, o.Now()); err != nil {
		return nil, err
	}
	if err := s.loadOutbox(); err != nil {
		return nil, err
	}
	return s, nil
}

// Refresh reloads every source. A failed refresh keeps the last good graph
// and is reported by /healthz.
func (s *Service) Refresh(ctx context.Context) error {
	s.refresh.Lock()
	defer s.refresh.Unlock()
	start := s.opts.Now()
	in, pol, err := s.opts.Load(ctx)
	h := &health{lastAttempt: start}
	if err != nil {
		h.lastError = err.Error()
		s.health.Store(h)
		s.metrics.refreshFailures.Add(1)
		s.opts.Log.Error("refresh failed; serving the last good graph", "err", err)
		return err
	}
	pol.Engines = &reconcile.EngineCache{}
	pol.Progress = nil
	s.current.Store(&warm{inputs: in, policy: pol, loadedAt: start})
	s.health.Store(h)
	s.metrics.lastRefresh.Store(start.Unix())
	s.metrics.people.Store(int64(in.Graph.Snapshot().Count(graph.TablePeople)))
	s.opts.Log.Info("graph refreshed", "took", s.opts.Now().Sub(start))
	return nil
}

// Current is the graph the service answers from.
func (s *Service) Current() *inputs.Inputs { return s.current.Load().inputs }

// Policy is the policy of the graph the service holds now.
func (s *Service) Policy() *reconcile.Policy { return s.current.Load().policy }

// Run refreshes every interval until ctx ends.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = s.Refresh(ctx)
		}
	}
}

// Handler is the API.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/transfers/check", s.auth(s.check))
	mux.Handle("POST /v1/transfers", s.auth(s.transfer))
	mux.Handle("POST /v1/refresh", s.auth(s.refreshHandler))
	mux.HandleFunc("POST /v1/hooks/{name}", s.hook)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /metrics", s.metrics.serve)
	return s.metrics.instrument(mux)
}

type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func fail(status int, format string, args ...any) error {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// auth requires the bearer token (compared in constant time) and turns
// handler errors into JSON answers.
// authorized reports whether the request carries the API's bearer token.
func (s *Service) authorized(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(token), s.opts.Token) == 1
}

func (s *Service) auth(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="accessrecon"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or wrong bearer token"})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		if err := h(w, r); err != nil {
			var ae *apiError
			if !errors.As(err, &ae) {
				s.opts.Log.Error("request failed", "path", r.URL.Path, "err", err)
				ae = &apiError{status: http.StatusInternalServerError, msg: err.Error()}
			}
			writeJSON(w, ae.status, map[string]string{"error": ae.msg})
		}
	})
}

// decode reads a JSON body strictly: unknown fields and trailing data are
// errors that name what was wrong.
// uniqueKeys refuses a JSON body with a key twice in one object, also when
// the two differ only in case: encoding/json would take the last (and match
// keys ignoring case), so what was checked would not be what was meant.
func uniqueKeys(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	var walk func() error
	walk = func() error {
		t, err := dec.Token()
		if err != nil {
			return nil // malformed JSON is the decoder's to report
		}
		switch t {
		case json.Delim('{'):
			seen := map[string]string{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil
				}
				key, _ := k.(string)
				if first, ok := seen[strings.ToLower(key)]; ok {
					return fail(http.StatusBadRequest, "field %s appears twice (as %q and %q): give it once", key, first, key)
				}
				seen[strings.ToLower(key)] = key
				if err := walk(); err != nil {
					return err
				}
			}
			dec.Token() // }
		case json.Delim('['):
			for dec.More() {
				if err := walk(); err != nil {
					return err
				}
			}
			dec.Token() // ]
		}
		return nil
	}
	return walk()
}

func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return fail(http.StatusRequestEntityTooLarge, "the request body is over %d bytes", MaxBody)
	}
	if err != nil {
		return fail(http.StatusBadRequest, "reading the body: %v", err)
	}
	if err := uniqueKeys(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return fail(http.StatusBadRequest, "field %s: expected a %s", te.Field, te.Type)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return fail(http.StatusBadRequest, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return fail(http.StatusBadRequest, "malformed JSON: %v", err)
	}
	if dec.More() {
		return fail(http.StatusBadRequest, "malformed JSON: more than one value in the body")
	}
	return nil
}

func required(fields ...[2]string) error {
	for _, f := range fields {
		if strings.TrimSpace(f[1]) == "" {
			return fail(http.StatusBadRequest, "field %s: required", f[0])
		}
	}
	return nil
}

func day(field, v string) (graph.Date, error) {
	d, err := graph.ParseDate(v)
	if err != nil {
		return 0, fail(http.StatusBadRequest, "field %s: %v", field, err)
	}
	return d, nil
}

// CheckRequest is the body of POST /v1/transfers/check.
type CheckRequest struct {
	EmployeeID    string `json:"employee_id"`
	ToUnit        string `json:"to_unit"`
	EffectiveDate string `json:"effective_date"`
}

// CheckResponse answers it.
type CheckResponse struct {
	Allowed       bool             `json:"allowed"`
	EmployeeID    string           `json:"employee_id"`
	FromUnit      string           `json:"from_unit"`
	ToUnit        string           `json:"to_unit"`
	EffectiveDate string           `json:"effective_date"`
	Findings      []policy.Finding `json:"findings"`
}

func (s *Service) check(w http.ResponseWriter, r *http.Request) error {
	var req CheckRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	resp, err := s.Check(r.Context(), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// Check is the transfer check of a person to a unit on a day, whatever asks
// (POST /v1/transfers/check, an HR service's webhook): a forbidden transfer
// is recorded in the audit log (transfer_forbidden, for the mail).
func (s *Service) Check(ctx context.Context, req CheckRequest) (CheckResponse, error) {
	if err := required([2]string{"employee_id", req.EmployeeID}, [2]string{"to_unit", req.ToUnit}, [2]string{"effective_date", req.EffectiveDate}); err != nil {
		return CheckResponse{}, err
	}
	eff, err := day("effective_date", req.EffectiveDate)
	if err != nil {
		return CheckResponse{}, err
	}
	cur := s.current.Load()
	res, err := reconcile.CheckTransfer(ctx, cur.inputs, cur.policy, req.EmployeeID, req.ToUnit, eff)
	if errors.Is(err, reconcile.ErrNotFound) {
		return CheckResponse{}, fail(http.StatusUnprocessableEntity, "%v", err)
	}
	if err != nil {
		return CheckResponse{}, err
	}
	if !res.Allowed {
		// For HR's and compliance's mail (notify): who, where from, where to.
		var rules []string
		for _, f := range res.Findings {
			if !slices.Contains(rules, f.Rule) {
				rules = append(rules, f.Rule)
			}
		}
		if err := audit.Record(cur.inputs.Config, audit.Event{Event: audit.TransferForbidden, By: "serve", Data: map[string]any{
			"employee_id": req.EmployeeID, "from_unit": res.FromUnit, "to_unit": res.ToUnit, "effective_date": eff.String(), "rules": rules}}, time.Now()); err != nil {
			return CheckResponse{}, err
		}
	}
	resp := CheckResponse{Allowed: res.Allowed, EmployeeID: req.EmployeeID, FromUnit: res.FromUnit, ToUnit: res.ToUnit, EffectiveDate: eff.String(), Findings: res.Findings}
	if resp.Findings == nil {
		resp.Findings = []policy.Finding{}
	}
	return resp, nil
}

// TransferEvent is the body of POST /v1/transfers: SPEC's transfers.csv fields.
type TransferEvent struct {
	EventID       string `json:"event_id"`
	EmployeeID    string `json:"employee_id"`
	FromUnit      string `json:"from_unit"`
	ToUnit        string `json:"to_unit"`
	EffectiveDate string `json:"effective_date"`
	PledgeDate    string `json:"pledge_date"`
}

var eventID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// transfer plans a registered transfer for its person, effective on its
// date, writes the plan to the outbox for review and answers with it. The
// same event twice gives the same plan.
func (s *Service) transfer(w http.ResponseWriter, r *http.Request) error {
	var ev TransferEvent
	if err := decode(r, &ev); err != nil {
		return err
	}
	data, replay, err := s.Register(r.Context(), ev)
	if err != nil {
		return err
	}
	if replay {
		w.Header().Set("Idempotent-Replay", "true")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusAccepted)
	w.Write(data)
	return nil
}

// Register plans a registered transfer for its person, effective on its
// date, and writes the plan to the outbox for review, whatever registers it
// (POST /v1/transfers, an HR service's webhook). The same event twice gives
// the same plan (replay); the same id with other content is a conflict.
func (s *Service) Register(ctx context.Context, ev TransferEvent) (plan []byte, replay bool, err error) {
	if err := required([2]string{"event_id", ev.EventID}, [2]string{"employee_id", ev.EmployeeID}, [2]string{"from_unit", ev.FromUnit},
		[2]string{"to_unit", ev.ToUnit}, [2]string{"effective_date", ev.EffectiveDate}); err != nil {
		return nil, false, err
	}
	if !eventID.MatchString(ev.EventID) {
		return nil, false, fail(http.StatusBadRequest, "field event_id: expected letters, digits, '.', '_' or '-' (at most 128)")
	}
	t := &graph.Transfer{EventID: ev.EventID, EmployeeID: ev.EmployeeID, FromUnit: ev.FromUnit, ToUnit: ev.ToUnit}
	if t.Effective, err = day("effective_date", ev.EffectiveDate); err != nil {
		return nil, false, err
	}
	if ev.PledgeDate != "" {
		if t.PledgeDate, err = day("pledge_date", ev.PledgeDate); err != nil {
			return nil, false, err
		}
	}
	canonical, _ := json.Marshal(ev)

	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.events {
		// Two ids one file name apart on a case-insensitive file system,
		// and one event to anyone reading them.
		if id != ev.EventID && strings.EqualFold(id, ev.EventID) {
			return nil, false, fail(http.StatusConflict, "event %s differs only in case from event %s registered before: give each event one id", ev.EventID, id)
		}
	}
	if prev, ok := s.events[ev.EventID]; ok {
		if prev.request != string(canonical) {
			return nil, false, fail(http.StatusConflict, "event %s was registered before with other content", ev.EventID)
		}
		return prev.plan, true, nil
	}
	data, remember, err := s.plan(ctx, t, canonical)
	if err != nil {
		return nil, false, err
	}
	if err := s.writeOutbox(ev.EventID, canonical, data); err != nil {
		return nil, false, err
	}
	if err := remember(); err != nil {
		return nil, false, err
	}
	s.events[ev.EventID] = stored{request: string(canonical), plan: data}
	return data, false, nil
}

// plan adds the event to a copy of the warm graph and plans it; the plan is
// finished as every plan is (reconcile.Finish). Call remember once the plan
// is written.
func (s *Service) plan(ctx context.Context, t *graph.Transfer, canonical []byte) (data []byte, remember func() error, err error) {
	base := s.current.Load()
	snap := base.inputs.Graph.Snapshot()
	if snap.Person(t.EmployeeID) == nil {
		return nil, nil, fail(http.StatusUnprocessableEntity, "employee_id %q is not in the people file", t.EmployeeID)
	}
	for _, f := range [][2]string{{"from_unit", t.FromUnit}, {"to_unit", t.ToUnit}} {
		if snap.Unit(f[1]) == nil {
			return nil, nil, fail(http.StatusUnprocessableEntity, "%s %q is not a unit of org.yaml", f[0], f[1])
		}
	}
	g := base.inputs.Graph
	if known := snap.Transfer(t.EventID); known != nil {
		if *known != *t {
			return nil, nil, fail(http.StatusConflict, "event %s is in the transfers file with other content", t.EventID)
		}
	} else {
		g = g.Clone()
		w := g.Writer()
		if err := w.AddTransfer(t); err != nil {
			w.Abort()
			return nil, nil, fail(http.StatusUnprocessableEntity, "%v", err)
		}
		w.Commit()
	}
	sum := sha256.Sum256(canonical)
	digests := map[string]string{"event:" + t.EventID: "sha256:" + hex.EncodeToString(sum[:])}
	for k, v := range base.inputs.Digests {
		digests[k] = v
	}
	in := &inputs.Inputs{Config: base.inputs.Config, Graph: g, Digests: digests}
	p, err := reconcile.TransferPlan(ctx, in, base.policy, t.EventID)
	if errors.Is(err, reconcile.ErrContradiction) {
		return nil, nil, fail(http.StatusUnprocessableEntity, "%v", err)
	}
	if err != nil {
		return nil, nil, err
	}
	if remember, err = reconcile.Finish(in, p, reconcile.FinishOptions{By: "accessrecon serve", Now: s.opts.Now(), Out: s.outboxPlan(t.EventID)}); err != nil {
		return nil, nil, err
	}
	if data, err = p.Encode(); err != nil {
		return nil, nil, err
	}
	return data, remember, nil
}

// outboxPlan is where the plan of an event is written ("" without an outbox).
func (s *Service) outboxPlan(id string) string {
	if s.opts.Outbox == "" {
		return ""
	}
	return filepath.Join(s.opts.Outbox, id+".json")
}

func (s *Service) writeOutbox(id string, request, plan []byte) error {
	if s.opts.Outbox == "" {
		return nil
	}
	if err := os.MkdirAll(s.opts.Outbox, 0o755); err != nil {
		return err
	}
	if err := atomicfile.WriteFileIn(s.opts.Outbox, id+".request.json", request); err != nil {
		return err
	}
	return atomicfile.WriteFileIn(s.opts.Outbox, id+".json", plan)
}

func (s *Service) loadOutbox() error {
	if s.opts.Outbox == "" {
		return nil
	}
	reqs, _ := filepath.Glob(filepath.Join(s.opts.Outbox, "*.request.json"))
	for _, rq := range reqs {
		id := strings.TrimSuffix(filepath.Base(rq), ".request.json")
		request, err := os.ReadFile(rq)
		if err != nil {
			return err
		}
		plan, err := os.ReadFile(filepath.Join(s.opts.Outbox, id+".json"))
		if err != nil {
			continue // the plan was never written: the event will be planned again
		}
		s.events[id] = stored{request: string(request), plan: plan}
	}
	return nil
}

func (s *Service) refreshHandler(w http.ResponseWriter, r *http.Request) error {
	if err := s.Refresh(r.Context()); err != nil {
		return fail(http.StatusServiceUnavailable, "refresh failed, still serving the graph loaded at %s: %v",
			s.current.Load().loadedAt.Format(time.RFC3339), err)
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "loaded_at": s.current.Load().loadedAt.Format(time.RFC3339)})
	return nil
}

func (s *Service) healthz(w http.ResponseWriter, r *http.Request) {
	cur, h := s.current.Load(), s.health.Load()
	body := map[string]string{"status": "ok", "loaded_at": cur.loadedAt.Format(time.RFC3339)}
	if h.lastError != "" {
		body["status"] = "degraded"
		body["last_refresh_attempt"] = h.lastAttempt.Format(time.RFC3339)
		// The error may name directory URLs, files and accounts: only
		// callers with the token see it.
		if s.authorized(r) {
			body["last_refresh_error"] = h.lastError
		}
	}
	writeJSON(w, http.StatusOK, body)
}
