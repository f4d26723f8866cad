package scim

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/input"
)

// signedHook is the plain signed webhook accessrecon takes from an HR
// service that sends its own (for SCIM HR services, whose webhooks are not
// standard): a JSON body {"delivery_id", "user_id"} naming the SCIM user
// who changed, signed with HMAC-SHA256 of "TIMESTAMP.BODY" under the shared
// secret, the timestamp (Unix seconds) in X-Accessrecon-Timestamp and the
// signature (sha256=HEX) in X-Accessrecon-Signature. A signature more than
// five minutes from now is refused (a replay). The user is read again from
// the SCIM endpoint.
type signedHook struct {
	secret []byte
	now    func() time.Time
	src    *Source
	spec   *HRSpec
}

// Hook is the signed webhook, when the config gives its secret
// (webhook_secret_env or webhook_secret_file).
func (h *HRSpec) Hook(ctx context.Context, env connectors.Env) (connectors.HRHook, error) {
	if h.WebhookSecretEnv == "" && h.WebhookSecretFile.IsZero() {
		return nil, nil
	}
	secret, err := input.Secret(env.Files, h.WebhookSecretEnv, "", h.WebhookSecretFile)
	if err != nil {
		return nil, i18n.Errorf("webhook secret: %w", err)
	}
	rows, _, err := h.OpenPeople(ctx, env)
	if err != nil {
		return nil, err
	}
	return &signedHook{secret: []byte(secret), now: time.Now, src: rows.(*peopleRows).s, spec: h}, nil
}

// Sign is the signature headers of a body at a time (for the services that
// send the signed webhook, and the tests).
func Sign(secret, body []byte, at time.Time) (timestamp, signature string) {
	timestamp = strconv.FormatInt(at.Unix(), 10)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp + "."))
	m.Write(body)
	return timestamp, "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func (s *signedHook) Verify(r *http.Request, body []byte) bool {
	ts := r.Header.Get("X-Accessrecon-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	if d := s.now().Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return false
	}
	_, want := Sign(s.secret, body, time.Unix(sec, 0))
	return hmac.Equal([]byte(r.Header.Get("X-Accessrecon-Signature")), []byte(want))
}

func (s *signedHook) Parse(body []byte) (string, string, bool, error) {
	var d struct {
		DeliveryID string `json:"delivery_id"`
		UserID     string `json:"user_id"`
	}
	if err := json.Unmarshal(body, &d); err != nil || d.DeliveryID == "" {
		return "", "", false, i18n.Errorf("expected {\"delivery_id\", \"user_id\"}")
	}
	sum := sha256.Sum256([]byte(d.DeliveryID))
	return hex.EncodeToString(sum[:12]), d.UserID, d.UserID != "", nil
}

// Lookup reads the user again from the SCIM endpoint.
func (s *signedHook) Lookup(ctx context.Context, id string) (string, string, error) {
	path := "/Users/" + strings.ReplaceAll(id, "/", "%2F")
	resp, body, err := s.src.do(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return "", "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", "", scimError(http.MethodGet, path, resp, body)
	}
	var u person
	if err := json.Unmarshal(body, &u); err != nil {
		return "", "", i18n.Errorf("GET %s: not a SCIM user: %w", path, err)
	}
	r := &peopleRows{spec: s.spec}
	return r.idOf(u), s.spec.unitOf(u), nil
}
