package entra

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/input"
)

const (
	maxBody  = 256 << 20 // the most one answer may hold
	maxTries = 8
	// batchSize is the most requests one $batch may hold.
	batchSize = 20
	// pageSize is the most objects a page of a directory list may hold.
	pageSize = 999
	// batchesAtOnce is how many $batch requests are in flight at once.
	batchesAtOnce = 4
)

// client talks to Microsoft Graph with a token of the app's own
// (client credentials), renewed before it expires.
type client struct {
	name, graph string
	log         *slog.Logger
	maxWait     time.Duration
	sleep       func(ctx context.Context, d time.Duration) error
	tokens      *tokenCache
	// HTTP is the client (tests); one with a timeout when nil.
	HTTP *http.Client
	// requests counts the HTTP requests made to Graph (a $batch is one).
	requests atomic.Int64
}

func (c *client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 5 * time.Minute}
}

// tokenCache keeps the last token and gets a new one when less than a
// tenth of its life, or five minutes, is left: a long pull or apply never
// sends an expired token.
type tokenCache struct {
	mu    sync.Mutex
	src   oauth2.TokenSource
	tok   *oauth2.Token
	renew time.Time
	now   func() time.Time
}

func newTokenCache(src oauth2.TokenSource) *tokenCache {
	return &tokenCache{src: src, now: time.Now}
}

func (t *tokenCache) token(force bool) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if t.tok != nil && !force && now.Before(t.renew) {
		return t.tok.AccessToken, nil
	}
	tok, err := t.src.Token()
	if err != nil {
		return "", i18n.Errorf("sign-in to Microsoft Entra ID: %w", tokenError(err))
	}
	life := time.Hour
	if !tok.Expiry.IsZero() {
		life = tok.Expiry.Sub(now)
	}
	t.tok, t.renew = tok, now.Add(life-min(5*time.Minute, life/10))
	return tok.AccessToken, nil
}

// tokenError is the sign-in service's error without its answer's body
// beyond the error code and description.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if ok := asRetrieve(err, &re); ok {
		desc := re.ErrorDescription
		if i := strings.IndexAny(desc, "\r\n"); i >= 0 {
			desc = desc[:i]
		}
		return i18n.Errorf("%s %s: %s", re.Response.Status, re.ErrorCode, strings.ToValidUTF8(desc, "?"))
	}
	return err
}

func asRetrieve(err error, re **oauth2.RetrieveError) bool {
	for err != nil {
		if r, ok := err.(*oauth2.RetrieveError); ok {
			*re = r
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// tokenContext carries the HTTP client of token requests; it is not
// cancelled with the command that opened the source.
func tokenContext(ctx context.Context) context.Context {
	return context.WithValue(context.WithoutCancel(ctx), oauth2.HTTPClient, &http.Client{Timeout: time.Minute})
}

func secretTokens(ctx context.Context, clientID, secret, tokenURL, scope string) *tokenCache {
	cc := &clientcredentials.Config{ClientID: clientID, ClientSecret: secret, TokenURL: tokenURL,
		Scopes: []string{scope}, AuthStyle: oauth2.AuthStyleInParams}
	return newTokenCache(cc.TokenSource(tokenContext(ctx)))
}

// assertionSource signs a new client assertion (RFC 7523; PS256 with the
// certificate's SHA-256 thumbprint, as Microsoft's identity platform
// documents) for each token it asks for.
type assertionSource struct {
	ctx                       context.Context
	clientID, tokenURL, scope string
	key                       *rsa.PrivateKey
	thumbprint                string
}

func (a *assertionSource) Token() (*oauth2.Token, error) {
	now := time.Now()
	jti := make([]byte, 16)
	rand.Read(jti)
	claims := jwt.RegisteredClaims{
		Audience: jwt.ClaimStrings{a.tokenURL}, Issuer: a.clientID, Subject: a.clientID, ID: hex.EncodeToString(jti),
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(10 * time.Minute)),
	}
	t := jwt.NewWithClaims(jwt.SigningMethodPS256, claims)
	t.Header["x5t#S256"] = a.thumbprint
	signed, err := t.SignedString(a.key)
	if err != nil {
		return nil, err
	}
	cc := &clientcredentials.Config{ClientID: a.clientID, TokenURL: a.tokenURL, Scopes: []string{a.scope}, AuthStyle: oauth2.AuthStyleInParams,
		EndpointParams: map[string][]string{
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion":      {signed},
		}}
	return cc.Token(a.ctx)
}

// certificateTokens reads a PEM file with the app's certificate and its
// RSA private key.
func certificateTokens(ctx context.Context, env connectors.Env, file input.Path, clientID, tokenURL, scope string) (*tokenCache, error) {
	data, err := fs.ReadFile(env.Files, file.Resolved())
	if err != nil {
		return nil, i18n.Errorf("certificate_file %s: %w", file, connectors.UnwrapPath(err))
	}
	var cert *x509.Certificate
	var key crypto.PrivateKey
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		switch block.Type {
		case "CERTIFICATE":
			if cert == nil {
				cert, err = x509.ParseCertificate(block.Bytes)
			}
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		}
		if err != nil {
			return nil, i18n.Errorf("certificate_file %s: %s: %w", file, block.Type, err)
		}
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if cert == nil || !ok {
		return nil, i18n.Errorf("certificate_file %s: expected a PEM file with the app's certificate (CERTIFICATE) and its RSA private key (PRIVATE KEY)", file)
	}
	if pub, ok := cert.PublicKey.(*rsa.PublicKey); !ok || !pub.Equal(&rsaKey.PublicKey) {
		return nil, i18n.Errorf("certificate_file %s: the private key is not the certificate's", file)
	}
	sum := sha256.Sum256(cert.Raw)
	return newTokenCache(&assertionSource{ctx: tokenContext(ctx), clientID: clientID, tokenURL: tokenURL, scope: scope,
		key: rsaKey, thumbprint: base64.RawURLEncoding.EncodeToString(sum[:])}), nil
}

// response is an answer of Graph, its body read.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// do sends one request to Graph (path under /v1.0, or a link Graph gave),
// waiting out throttling (429, 503, 504 with Retry-After) within
// max_rate_wait, and getting a new token once when Graph refuses the one
// sent.
func (c *client) do(ctx context.Context, method, path string, body any, header http.Header) (*response, error) {
	target := path
	if strings.HasPrefix(path, "https://") || strings.HasPrefix(path, "http://") {
		// A link Graph gave (a next page, a delta link) must lead back to
		// Graph: the token goes with it.
		if !strings.HasPrefix(path, c.graph+"/") {
			return nil, i18n.Errorf("Graph gave a link outside %s: %.80s", c.graph, path)
		}
	} else {
		target = c.graph + path
	}
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	refreshed, waited := false, time.Duration(0)
	for try := 1; ; try++ {
		tok, err := c.tokens.token(false)
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range header {
			req.Header[k] = v
		}
		c.requests.Add(1)
		resp, err := c.http().Do(req)
		if err != nil {
			return nil, i18n.Errorf("%s %s: %w", method, short(path), err)
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
		resp.Body.Close()
		if err != nil {
			return nil, i18n.Errorf("%s %s: %w", method, short(path), err)
		}
		if len(b) > maxBody {
			return nil, i18n.Errorf("%s %s: the answer is larger than %d MiB", method, short(path), maxBody>>20)
		}
		r := &response{resp.StatusCode, resp.Header, b}
		if resp.StatusCode == http.StatusUnauthorized && !refreshed {
			refreshed = true
			if _, err := c.tokens.token(true); err != nil {
				return nil, err
			}
			continue
		}
		if throttled(resp.StatusCode) && try < maxTries {
			wait := connectors.RetryAfter(resp.Header.Get("Retry-After"), backoff(try))
			if waited+wait > c.maxWait {
				return nil, i18n.Errorf("%s %s: Graph asks to wait %s more, beyond max_rate_wait %s", method, short(path), wait, c.maxWait)
			}
			waited += wait
			c.log.Warn("entra: Graph throttles; waiting", "source", c.name, "wait", wait)
			if err := c.sleep(ctx, wait); err != nil {
				return nil, err
			}
			continue
		}
		return r, nil
	}
}

func throttled(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// backoff is the wait before try when Graph says nothing readable:
// 2^try seconds (Graph's advice is to back off exponentially).
func backoff(try int) time.Duration { return time.Duration(1<<min(try, 6)) * time.Second }

// short is a path for messages: without its query.
func short(path string) string {
	if i := strings.IndexByte(path, '?'); i >= 0 {
		return path[:i]
	}
	return path
}

// graphError is an answer that is not a success, with Graph's code and
// message.
func graphError(method, path string, r *response) error {
	return graphErrorBody(method, path, r.Status, r.Body)
}

func graphErrorBody(method, path string, status int, body []byte) error {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	json.Unmarshal(body, &e)
	msg := e.Error.Message
	if len(msg) > 300 {
		msg = msg[:300]
	}
	return i18n.Errorf("%s %s: %d %s %s", method, short(path), status, e.Error.Code, strings.ToValidUTF8(msg, "?"))
}

// page is one page of a collection.
type page[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"@odata.nextLink"`
	// DeltaLink ends the pages of a delta query.
	DeltaLink string `json:"@odata.deltaLink"`
}

// list reads every page of a collection.
func list[T any](ctx context.Context, c *client, path string, header http.Header) ([]T, error) {
	var all []T
	for next := path; next != ""; {
		r, err := c.do(ctx, http.MethodGet, next, nil, header)
		if err != nil {
			return nil, err
		}
		if r.Status != http.StatusOK {
			return nil, graphError(http.MethodGet, next, r)
		}
		var p page[T]
		if err := json.Unmarshal(r.Body, &p); err != nil {
			return nil, i18n.Errorf("GET %s: not a Graph collection: %w", short(next), err)
		}
		all = append(all, p.Value...)
		next = p.NextLink
	}
	return all, nil
}

// batchItem is one request of a $batch, and its answer.
type batchItem struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
}

type batchAnswer struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// batchLists reads every page of many collections (paths under /v1.0)
// through $batch, twenty requests a batch and a few batches at once; the
// next pages of each are asked for in later batches. A request Graph
// throttles inside a batch is asked again after its Retry-After. Each
// collection's objects are given to add in its pages' order, with the
// collection's index; add is called from one goroutine at a time.
func batchLists[T any](ctx context.Context, c *client, paths []string, add func(i int, items []T)) error {
	type todo struct {
		i    int
		path string // under /v1.0, a link Graph gave made relative
	}
	queue := make([]todo, len(paths))
	for i, p := range paths {
		queue[i] = todo{i, p}
	}
	var mu sync.Mutex
	waited := time.Duration(0)
	for len(queue) > 0 {
		// One round: the queue in batches, a few at once; what they ask
		// next is the next round's queue.
		var next []todo
		var firstErr error
		var wait time.Duration
		sem := make(chan struct{}, batchesAtOnce)
		var wg sync.WaitGroup
		for start := 0; start < len(queue); start += batchSize {
			chunk := queue[start:min(start+batchSize, len(queue))]
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				items := make([]batchItem, len(chunk))
				for k, t := range chunk {
					items[k] = batchItem{ID: strconv.Itoa(k), Method: http.MethodGet, URL: t.path}
				}
				r, err := c.do(ctx, http.MethodPost, "/$batch", map[string]any{"requests": items}, nil)
				if err == nil && r.Status != http.StatusOK {
					err = graphError(http.MethodPost, "/$batch", r)
				}
				var answers struct {
					Responses []batchAnswer `json:"responses"`
				}
				if err == nil {
					if err = json.Unmarshal(r.Body, &answers); err != nil {
						err = i18n.Errorf("POST /$batch: not a batch answer: %w", err)
					}
				}
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					firstErr = cmpErr(firstErr, err)
					return
				}
				seen := make([]bool, len(chunk))
				for _, a := range answers.Responses {
					k, err := strconv.Atoi(a.ID)
					if err != nil || k < 0 || k >= len(chunk) || seen[k] {
						firstErr = cmpErr(firstErr, i18n.Errorf("POST /$batch: an answer with id %q that no request had", a.ID))
						return
					}
					seen[k] = true
					t := chunk[k]
					if throttled(a.Status) {
						wait = max(wait, connectors.RetryAfter(a.Headers["Retry-After"], backoff(1)))
						next = append(next, t)
						continue
					}
					if a.Status != http.StatusOK {
						firstErr = cmpErr(firstErr, graphErrorBody(http.MethodGet, t.path, a.Status, a.Body))
						return
					}
					var p page[T]
					if err := json.Unmarshal(a.Body, &p); err != nil {
						firstErr = cmpErr(firstErr, i18n.Errorf("GET %s: not a Graph collection: %w", short(t.path), err))
						return
					}
					add(t.i, p.Value)
					if p.NextLink != "" {
						rel, ok := strings.CutPrefix(p.NextLink, c.graph)
						if !ok {
							firstErr = cmpErr(firstErr, i18n.Errorf("Graph gave a link outside %s: %.80s", c.graph, p.NextLink))
							return
						}
						next = append(next, todo{t.i, rel})
					}
				}
				for k, ok := range seen {
					if !ok {
						firstErr = cmpErr(firstErr, i18n.Errorf("POST /$batch: no answer to GET %s", short(chunk[k].path)))
						return
					}
				}
			}()
		}
		wg.Wait()
		if firstErr != nil {
			return firstErr
		}
		if wait > 0 {
			if waited += wait; waited > c.maxWait {
				return i18n.Errorf("POST /$batch: Graph asks to wait %s more, beyond max_rate_wait %s", wait, c.maxWait)
			}
			c.log.Warn("entra: Graph throttles requests of a batch; waiting", "source", c.name, "wait", wait)
			if err := c.sleep(ctx, wait); err != nil {
				return err
			}
		}
		queue = next
	}
	return nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
