package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

const flowCookie = "accessrecon_flow"

// maxFlows bounds the sign-ins under way (each lives ten minutes), so that
// a flood of /auth/login cannot fill the memory.
const maxFlows = 10000

// localPath keeps a post-sign-in destination on this site.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// login starts the authorization code flow with PKCE: a state bound to
// this browser by a cookie, a nonce for the ID token.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	state, nonce, verifier := randomString(), randomString(), oauth2.GenerateVerifier()
	now := s.o.Now()
	s.mu.Lock()
	for k, f := range s.flows {
		if now.After(f.expires) {
			delete(s.flows, k)
		}
	}
	if len(s.flows) >= maxFlows {
		s.mu.Unlock()
		s.fail(w, r, http.StatusServiceUnavailable, errors.New("too many sign-ins under way: try again in a few minutes"))
		return
	}
	s.flows[state] = flow{verifier: verifier, nonce: nonce, next: localPath(r.URL.Query().Get("next")), expires: now.Add(10 * time.Minute)}
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: state, Path: "/auth/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: 600})
	http.Redirect(w, r, s.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

// Sign-in refusals.
var (
	ErrNoEmployee = errors.New("the ID token has no employee id claim")
	ErrNotActive  = errors.New("you are not an active person of the HR feed")
)

// callback finishes the flow: the code is exchanged with the PKCE
// verifier, the ID token verified (signature by the provider's keys,
// issuer, audience, expiry, nonce), its employee claim must name an active
// person of the HR feed, and a session begins.
func (s *Server) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, err := r.Cookie(flowCookie)
	if err != nil || c.Value == "" || c.Value != q.Get("state") {
		s.fail(w, r, http.StatusBadRequest, errors.New("the sign-in was not started in this browser, or took too long: sign in again"))
		return
	}
	s.mu.Lock()
	f, ok := s.flows[c.Value]
	delete(s.flows, c.Value)
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Path: "/auth/", MaxAge: -1, HttpOnly: true, Secure: s.secure})
	if !ok || s.o.Now().After(f.expires) {
		s.fail(w, r, http.StatusBadRequest, errors.New("the sign-in was not started in this browser, or took too long: sign in again"))
		return
	}
	if e := q.Get("error"); e != "" {
		s.fail(w, r, http.StatusUnauthorized, i18n.Errorf("the identity provider refused the sign-in: %s", e))
		return
	}
	ctx := oidc.ClientContext(r.Context(), s.o.HTTPClient)
	tok, err := s.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(f.verifier))
	if err != nil {
		s.signInRefused(w, r, "", i18n.Errorf("the code exchange failed: %w", err))
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	id, err := s.Verify(r.Context(), raw, f.nonce)
	if err != nil {
		s.signInRefused(w, r, "", err)
		return
	}
	emp, err := s.employee(id)
	if err != nil {
		s.signInRefused(w, r, id.Subject, err)
		return
	}
	snap := s.o.Current().Graph.Snapshot()
	p, err := reconcile.ActivePerson(snap, emp, graph.DateOf(s.o.Now()))
	if err != nil {
		s.signInRefused(w, r, id.Subject, i18n.Errorf("%w (%v)", ErrNotActive, err))
		return
	}
	value := randomString()
	if err := s.o.Store.CreateSession(r.Context(), hash(value), reviewdb.Session{EmployeeID: p.EmployeeID, Issuer: id.Issuer, Subject: id.Subject,
		Expires: s.o.Now().Add(time.Duration(s.config().Review.Web.SessionHours) * time.Hour)}); err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	if err := s.record(audit.Event{Event: audit.SignIn, By: p.EmployeeID, Data: map[string]any{"issuer": id.Issuer, "subject": id.Subject}}); err != nil {
		s.o.Store.DeleteSession(r.Context(), hash(value))
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: value, Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
		MaxAge: s.config().Review.Web.SessionHours * 3600})
	http.Redirect(w, r, f.next, http.StatusSeeOther)
}

// Verify checks a raw ID token as the callback does: signed by the
// provider's keys, for this client, not expired, with the nonce of the flow.
func (s *Server) Verify(ctx context.Context, raw, nonce string) (*oidc.IDToken, error) {
	if raw == "" {
		return nil, errors.New("the provider gave no ID token")
	}
	id, err := s.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, i18n.Errorf("the ID token is not valid: %w", err)
	}
	if id.Nonce != nonce {
		return nil, errors.New("the ID token is not for this sign-in (nonce)")
	}
	return id, nil
}

// employee is the employee id the configured claim holds.
func (s *Server) employee(id *oidc.IDToken) (string, error) {
	claim := s.config().Review.Web.OIDC.EmployeeClaim
	if claim == "sub" {
		return id.Subject, nil
	}
	var claims map[string]any
	if err := id.Claims(&claims); err != nil {
		return "", err
	}
	v, ok := claims[claim]
	if !ok {
		return "", i18n.Errorf("%w (%s)", ErrNoEmployee, claim)
	}
	switch v := v.(type) {
	case string:
		if v != "" {
			return v, nil
		}
	case float64:
		return fmt.Sprintf("%.0f", v), nil
	}
	return "", i18n.Errorf("%w (%s)", ErrNoEmployee, claim)
}

// signInRefused records the refusal and tells the person why.
func (s *Server) signInRefused(w http.ResponseWriter, r *http.Request, subject string, err error) {
	if aerr := s.record(audit.Event{Event: audit.SignInRefused, Data: map[string]any{"issuer": s.issuer, "subject": subject, "reason": err.Error()}}); aerr != nil {
		err = errors.Join(err, aerr)
	}
	s.fail(w, r, http.StatusForbidden, err)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(s.cookieName()); err == nil {
		s.o.Store.DeleteSession(r.Context(), hash(c.Value))
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	s.render(w, r, http.StatusOK, "signedout", page{Lang: langOf(r)})
}
