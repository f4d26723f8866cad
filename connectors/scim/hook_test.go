package scim

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/scim/scimtest"
)

// TestTheSignedWebhook: the plain signed webhook of a SCIM HR service: a
// body signed with the shared secret within five minutes is taken, a
// changed body, another secret or an old signature (a replay) is not; the
// user it names is read again from the SCIM endpoint.
func TestTheSignedWebhook(t *testing.T) {
	p := scimtest.Start(t)
	id := p.Person("kato", "E1010", "NW-WHEEL-CONTACT", "", true)
	p.Move(id, "HD-RETAIL")
	t.Setenv("TEST_HR_TOKEN", scimtest.Token)
	t.Setenv("TEST_HR_HOOK", "shared-secret")
	spec := &HRSpec{BaseURL: p.URL, TokenEnv: "TEST_HR_TOKEN", WebhookSecretEnv: "TEST_HR_HOOK"}
	h, err := spec.Hook(context.Background(), connectors.Env{Files: os.DirFS("/")})
	if err != nil || h == nil {
		t.Fatal(h, err)
	}
	body := []byte(`{"delivery_id":"d-1","user_id":"` + id + `"}`)
	req := func(body []byte, secret string, at time.Time) *http.Request {
		r, _ := http.NewRequest("POST", "/v1/hooks/hr", bytes.NewReader(body))
		ts, sig := Sign([]byte(secret), body, at)
		r.Header.Set("X-Accessrecon-Timestamp", ts)
		r.Header.Set("X-Accessrecon-Signature", sig)
		return r
	}
	now := time.Now()
	if !h.Verify(req(body, "shared-secret", now), body) {
		t.Error("a signed webhook was refused")
	}
	if h.Verify(req(body, "shared-secret", now), []byte(`{"delivery_id":"d-1","user_id":"someone-else"}`)) {
		t.Error("a changed body was taken")
	}
	if h.Verify(req(body, "guessed", now), body) || h.Verify(req(body, "shared-secret", now.Add(-10*time.Minute)), body) {
		t.Error("another secret or an old signature was taken")
	}
	key, user, relevant, err := h.Parse(body)
	if err != nil || !relevant || user != id || key == "" {
		t.Fatalf("parse: %q %q %v %v", key, user, relevant, err)
	}
	emp, unit, err := h.Lookup(context.Background(), user)
	if err != nil || emp != "E1010" || unit != "HD-RETAIL" {
		t.Errorf("lookup: %q %q %v", emp, unit, err)
	}
}
