package service

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/reconcile/audit"
)

// maxHookBody is the most a webhook may carry.
const maxHookBody = 1 << 20

// hook takes an HR service's webhook: it checks that the service sent it
// (a forged one is refused and audited), takes each delivery once, answers
// at once, and then reads the person again from the service and checks and
// plans their transfer as POST /v1/transfers/check and POST /v1/transfers
// do. The webhook's own body is never trusted for who moves where.
func (s *Service) hook(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	h := s.opts.Hooks[name]
	if h == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such webhook"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxHookBody+1))
	if err != nil || len(body) > maxHookBody {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "the body is larger than 1 MiB or unreadable"})
		return
	}
	if !h.Verify(r, body) {
		cfg := s.current.Load().inputs.Config
		audit.Record(cfg, audit.Event{Event: audit.WebhookRefused, By: "serve", Data: map[string]any{"service": name, "remote": r.RemoteAddr}}, s.opts.Now())
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "the webhook's token or signature does not match"})
		return
	}
	key, person, relevant, err := h.Parse(body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	first, err := s.delivered.take(name+"/"+key, s.opts.Now())
	if err != nil {
		if s.opts.Log != nil {
			s.opts.Log.Error("serve: a webhook delivery could not be recorded; refused, the service sends it again", "webhook", name, "error", err)
		}
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "the delivery could not be recorded; send it again"})
		return
	}
	switch {
	case !first:
		writeJSON(w, http.StatusOK, map[string]string{"status": "duplicate"})
		return
	case !relevant:
		writeJSON(w, http.StatusAccepted, map[string]string{"status": "ignored"})
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "accepted"})
	s.following.Add(1)
	go func() {
		defer s.following.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if err := s.follow(ctx, name, key, h, person); err != nil && s.opts.Log != nil {
			s.opts.Log.Warn("serve: a webhook's person could not be checked", "webhook", name, "error", err)
		}
	}()
}

// follow reads the person a webhook is about from the service and, when
// their unit differs from the graph's, checks the transfer (a forbidden
// one is recorded) and plans it, effective today.
func (s *Service) follow(ctx context.Context, name, key string, h connectors.HRHook, person string) error {
	employee, unit, err := h.Lookup(ctx, person)
	if err != nil {
		return err
	}
	cur := s.current.Load()
	if v, ok := cur.inputs.Config.HR.Values["unit"][unit]; ok {
		unit = v
	}
	snap := cur.inputs.Graph.Snapshot()
	p := snap.Person(employee)
	today := graph.DateOf(s.opts.Now())
	if p == nil {
		if s.opts.Log == nil {
			return nil
		}
		s.opts.Log.Info("serve: a webhook names a person the HR feed does not know yet; the next refresh reads them", "webhook", name, "employee", employee)
		return nil
	}
	from := snap.AssignmentAsOf(p, today).Unit
	if from == unit || unit == "" {
		return nil
	}
	if _, err := s.Check(ctx, CheckRequest{EmployeeID: employee, ToUnit: unit, EffectiveDate: today.String()}); err != nil {
		return err
	}
	_, _, err = s.Register(ctx, TransferEvent{EventID: "hook-" + name + "-" + key, EmployeeID: employee, FromUnit: from, ToUnit: unit, EffectiveDate: today.String()})
	return err
}

// Wait waits for the re-reads webhooks started (serve's shutdown), and
// closes the file of deliveries taken.
func (s *Service) Wait() {
	s.following.Wait()
	s.delivered.close()
}
