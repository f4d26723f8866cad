package smarthr

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/input"
)

// hook is SmartHR's webhook: a POST with the event, when it fired and the
// crew, carrying the registered secret token in X-SmartHR-Token (SmartHR
// signs nothing: the token proves the sender, the crew is read again from
// the API).
type hook struct {
	secret string
	rows   *rows
}

// Hook is the webhook, when the config gives its secret token
// (webhook_token_env or webhook_token_file).
func (s *Spec) Hook(ctx context.Context, env connectors.Env) (connectors.HRHook, error) {
	if s.WebhookTokenEnv == "" && s.WebhookTokenFile.IsZero() {
		return nil, nil
	}
	secret, err := input.Secret(env.Files, s.WebhookTokenEnv, "", s.WebhookTokenFile)
	if err != nil {
		return nil, i18n.Errorf("webhook token: %w", err)
	}
	r, _, err := s.OpenPeople(ctx, env)
	if err != nil {
		return nil, err
	}
	return &hook{secret: secret, rows: r.(*rows)}, nil
}

func (h *hook) Verify(r *http.Request, _ []byte) bool {
	got := r.Header.Get("X-SmartHR-Token")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(h.secret)) == 1
}

// The events that can move a person.
var moving = map[string]bool{"crew_created": true, "crew_updated": true}

func (h *hook) Parse(body []byte) (string, string, bool, error) {
	var d struct {
		Event       string `json:"event"`
		TriggeredAt string `json:"triggered_at"`
		Crew        *struct {
			ID string `json:"id"`
		} `json:"crew"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return "", "", false, i18n.Errorf("not a SmartHR webhook: %w", err)
	}
	sum := sha256.Sum256([]byte(d.Event + "\x00" + d.TriggeredAt + "\x00" + crewID(d.Crew)))
	key := hex.EncodeToString(sum[:12])
	if !moving[d.Event] || d.Crew == nil || d.Crew.ID == "" {
		return key, "", false, nil
	}
	return key, d.Crew.ID, true, nil
}

func crewID(c *struct {
	ID string `json:"id"`
}) string {
	if c == nil {
		return ""
	}
	return c.ID
}

// Lookup reads the crew again through the API.
func (h *hook) Lookup(ctx context.Context, id string) (string, string, error) {
	r := *h.rows
	r.ctx = ctx
	var c crew
	if _, err := r.getOne("/v1/crews/"+url.PathEscape(id), &c); err != nil {
		return "", "", err
	}
	if len(c.Departments) == 0 && len(c.DepartmentIDs) > 0 {
		if err := r.masters(); err != nil {
			return "", "", err
		}
	}
	row, err := r.rowOf(c)
	if err != nil {
		return "", "", err
	}
	if row[0] == "" {
		return "", "", i18n.Errorf("crew %s has no emp_code", id)
	}
	return row[0], row[2], nil
}
