package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/accessrecon/accessrecon/connectors/catalog"
	"github.com/accessrecon/accessrecon/graph"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/certify"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/pgstore"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
	"github.com/accessrecon/accessrecon/reconcile/service"
	"github.com/accessrecon/accessrecon/reconcile/signing"
	"github.com/accessrecon/accessrecon/web"
	"github.com/urfave/cli/v2"
)

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "the HTTP API for HR systems: check transfers and plan them when they are registered",
		Flags: []cli.Flag{configFlag, verbose,
			&cli.StringFlag{Name: "listen", Value: "127.0.0.1:8080", Usage: "listen on `ADDR`"},
			&cli.StringFlag{Name: "token-file", Usage: "read the API bearer token from `FILE` (else ACCESSRECON_API_TOKEN)"},
			&cli.DurationFlag{Name: "refresh", Value: 15 * time.Minute, Usage: "reload the sources every `DURATION` (0: only on POST /v1/refresh)"},
			&cli.StringFlag{Name: "outbox", Usage: "write transfer plans for review into `DIR` (default: outbox beside the config)"},
			&cli.DurationFlag{Name: "notify-every", Value: 5 * time.Minute, Usage: "send the mail of new audit events every `DURATION`, as notify run does (0: never; only with notify in the config)"},
			&cli.DurationFlag{Name: "leader-every", Value: 5 * time.Second, Usage: "with store postgres: try to become the replica that runs the timers every `DURATION` (a dead leader's place is taken within it)"},
			&cli.DurationFlag{Name: "drain", Value: 5 * time.Second, Usage: "on SIGTERM, answer /readyz 503 for `DURATION` before closing, so the load balancer sends no more"},
		},
		Action: func(c *cli.Context) error {
			token, err := apiToken(c.String("token-file"))
			if err != nil {
				return err
			}
			outbox := c.String("outbox")
			if outbox == "" {
				outbox = filepath.Join(filepath.Dir(c.String("config")), "outbox")
			}
			log := logger(c)
			cfg, err := config.Load(config.OSFiles{}, c.String("config"), catalog.Types)
			if err != nil {
				return err
			}
			hooks, err := hrHooks(c.Context, cfg, log)
			if err != nil {
				return err
			}
			svc, err := service.New(c.Context, service.Options{
				Load: func(ctx context.Context) (*inputs.Inputs, *reconcile.Policy, error) {
					s, err := loadSession(ctx, c, config.OSFiles{}, c.String("config"))
					if err != nil {
						return nil, nil, err
					}
					return s.inputs, s.policy, nil
				},
				Token: token, Outbox: outbox, Log: log, Hooks: hooks,
			})
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", c.String("listen"))
			if err != nil {
				return i18n.Errorf("--listen %s: %w", c.String("listen"), err)
			}
			// Every goroutine serve starts ends before it returns: the mail
			// tick and the leadership are joined here, the refresh in serve,
			// the stage tick in the pages' stop.
			ctx, cancel := context.WithCancel(c.Context)
			defer cancel()
			var wg sync.WaitGroup
			defer wg.Wait()
			defer cancel()
			ready, err := newReadiness(ctx, cfg, svc, c.Duration("leader-every"), log)
			if err != nil {
				return err
			}
			defer ready.close()
			if ready.leader != nil {
				wg.Go(func() { ready.leader.Run(ctx) })
			}
			handler := svc.Handler()
			mux := http.NewServeMux()
			mux.Handle("/v1/", handler)
			mux.Handle("/healthz", handler)
			mux.Handle("/metrics", handler)
			mux.Handle("GET /readyz", ready)
			if cfg.Review.Web.OIDC.Issuer != "" {
				site, stop, err := reviewerPages(c.Context, cfg, svc, outbox, ready, log)
				if err != nil {
					return err
				}
				defer stop()
				mux.Handle("/", site)
			}
			fmt.Fprintf(c.App.ErrWriter, "accessrecon: serving on http://%s\n", ln.Addr())
			if every := c.Duration("notify-every"); every > 0 {
				wg.Go(func() { notifyEvery(ctx, c.String("config"), every, ready.isLeader, log) })
			}
			return serve(ctx, ln, mux, svc, c.Duration("refresh"), ready, c.Duration("drain"))
		},
	}
}

// serve answers until ctx ends (SIGTERM, Ctrl-C), then stops taking new
// connections and lets requests under way finish.
func serve(ctx context.Context, ln net.Listener, h http.Handler, svc *service.Service, refresh time.Duration, ready *readiness, drain time.Duration) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait() // the refresh has ended when serve returns
	defer cancel()
	wg.Go(func() { svc.Run(ctx, refresh) })
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		// Drain: /readyz answers 503 so the load balancer stops sending,
		// requests keep being answered meanwhile, then the listener closes
		// and those under way finish.
		ready.draining.Store(true)
		time.Sleep(drain)
		shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil {
			return i18n.Errorf("serve: shutdown: %w", err)
		}
		svc.Wait() // the people webhooks asked to read again
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

// hrHooks are the webhooks of the HR feed's service (hr.source), when its
// config gives their secret: POST /v1/hooks/hr.
func hrHooks(ctx context.Context, cfg *config.Config, log *slog.Logger) (map[string]connectors.HRHook, error) {
	hs := cfg.HR.Source
	if hs == nil {
		return nil, nil
	}
	hk, ok := hs.Spec.(connectors.HRHooker)
	if !ok {
		return nil, nil
	}
	h, err := hk.Hook(ctx, connectors.Env{Name: inputs.HRSourceName, Files: cfg.Files, Log: log})
	if err != nil || h == nil {
		return nil, err
	}
	return map[string]connectors.HRHook{"hr": h}, nil
}

// apiToken reads the bearer token from a file or ACCESSRECON_API_TOKEN.
func apiToken(file string) ([]byte, error) {
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, i18n.Errorf("--token-file: %w", connectors.UnwrapPath(err))
		}
		t := strings.TrimSpace(string(data))
		if t == "" {
			return nil, i18n.Errorf("--token-file %s is empty", file)
		}
		return []byte(t), nil
	}
	if t := strings.TrimSpace(os.Getenv("ACCESSRECON_API_TOKEN")); t != "" {
		return []byte(t), nil
	}
	return nil, errors.New("serve: no API token: set ACCESSRECON_API_TOKEN or give --token-file")
}

// reviewerPages are the reviewers' pages (review.web): sign-in through the
// OpenID provider, plan approval, campaign worklists. stop closes the store.
func reviewerPages(ctx context.Context, cfg *config.Config, svc *service.Service, outbox string, ready *readiness, log *slog.Logger) (http.Handler, func(), error) {
	store, err := reviewdb.OpenConfig(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	o := web.Options{Config: cfg, Store: store, Current: svc.Current, Policy: svc.Policy, PlanDirs: []string{outbox}, Log: log}
	for _, d := range cfg.Review.Web.Plans {
		o.PlanDirs = append(o.PlanDirs, cfg.Resolve(d))
	}
	if k := cfg.Review.Web.SigningKey; k != "" {
		if o.Signer, err = signing.LoadSigner(cfg.Resolve(k)); err != nil {
			store.Close()
			return nil, nil, err
		}
	}
	site, err := web.New(ctx, o)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	tick, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		events := &dailyEvents{cfg: cfg, svc: svc, store: store, outbox: outbox, log: log}
		for {
			if ready.isLeader() {
				site.Tick(tick)
				events.tick(tick)
			}
			select {
			case <-tick.Done():
				return
			case <-t.C:
			}
		}
	}()
	// stop ends the stage tick, waits for it, then closes the store.
	return site.Handler(), func() { cancel(); <-done; store.Close() }, nil
}

// readiness is /readyz, for a load balancer: 200 when the config is loaded,
// the store answers and serve is not draining; it says too whether this
// replica is the leader (the one running the timers).
type readiness struct {
	svc      *service.Service
	store    string
	ping     func(context.Context) error
	leader   *pgstore.Leader // nil: one machine, always the leader
	draining atomic.Bool
	close    func() error
	log      *slog.Logger
}

func newReadiness(ctx context.Context, cfg *config.Config, svc *service.Service, every time.Duration, log *slog.Logger) (*readiness, error) {
	r := &readiness{svc: svc, store: "sqlite", close: func() error { return nil }, log: log}
	if !cfg.Store.Postgres() {
		return r, nil
	}
	dsn, err := cfg.DSN()
	if err != nil {
		return nil, i18n.Errorf("store: %w", err)
	}
	db, release, err := pgstore.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	// The store's kind, not its server: /readyz answers anyone who asks.
	r.store, r.ping, r.close = "postgres", db.PingContext, release
	if every <= 0 {
		every = 5 * time.Second
	}
	r.leader = pgstore.NewLeader(db, every, log)
	return r, nil
}

func (r *readiness) isLeader() bool { return r.leader == nil || r.leader.Is() }

func (r *readiness) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body := map[string]any{"status": "ready", "leader": r.isLeader(), "store": r.store}
	code := http.StatusOK
	switch {
	case r.draining.Load():
		body["status"], code = "draining", http.StatusServiceUnavailable
	case r.svc.Current() == nil:
		body["status"], code = "loading", http.StatusServiceUnavailable
	case r.ping != nil:
		ctx, cancel := context.WithTimeout(req.Context(), 2*time.Second)
		defer cancel()
		if err := r.ping(ctx); err != nil {
			// The error names no secret (pgx leaves the password out), but it
			// is for the logs, not for whoever asks.
			r.log.Warn("readyz: the store does not answer", "error", err)
			body["status"], code = "store unreachable", http.StatusServiceUnavailable
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(body)
}

// dailyEvents is serve's door to the small reviews triggered by events
// (review.events.at): once a business day from that time, the leader opens
// certify open --template events would, into the outbox's events folder.
type dailyEvents struct {
	cfg    *config.Config
	svc    *service.Service
	store  *reviewdb.Store
	outbox string
	log    *slog.Logger
	done   graph.Date // the last day handled
}

func (d *dailyEvents) tick(ctx context.Context) {
	at := d.cfg.Review.Events.At
	now := clock().In(graph.Tokyo)
	day := graph.DateOf(now)
	if at == "" || day == d.done || now.Format("15:04") < at {
		return
	}
	cal, err := reconcile.CalendarOf(d.cfg)
	if err != nil || !cal.IsBusinessDay(day) {
		return
	}
	id := "EV-" + day.String()
	if _, err := d.store.Campaign(ctx, id); err == nil {
		d.done = day // another replica, or an earlier run, opened it
		return
	}
	in, pol := d.svc.Current(), d.svc.Policy()
	cfg := configOf(in, d.cfg)
	var lastUse certify.LastUse
	if len(cfg.AccessLogs) > 0 {
		names, err := logFiles(cfg)
		if err == nil {
			lastUse, _, err = certify.ReadLastUse(ctx, cfg.Files, names)
		}
		if err != nil {
			d.log.Error("events review: the access logs", "error", err)
			return
		}
	}
	tmpl, err := certify.TemplateOf(cfg, in.Graph.Snapshot(), certify.Events)
	if err != nil {
		d.log.Error("events review", "error", err)
		return
	}
	started, err := certify.Start(ctx, in, pol, d.store, certify.Opening{
		ID: id, AsOf: day, Template: tmpl, Out: filepath.Join(d.outbox, "events", id), By: "serve", LastUse: lastUse,
		Link: campaignLink(cfg, id), Now: now,
		Record: func(ctx context.Context, e audit.Event) error { return audit.RecordContext(ctx, cfg, e, now) },
	})
	if err != nil {
		d.log.Error("events review: not opened; tried again at the next tick", "campaign", id, "error", err)
		return
	}
	d.done = day
	if started.Campaign == nil {
		d.log.Info("events review: nothing to review", "since", started.NothingSince.String())
		return
	}
	d.log.Info("events review opened", "campaign", id, "worksheets", len(started.Campaign.Worksheets))
}

// configOf is the config of the inputs serve holds now (reloaded with
// them), else the one it started with.
func configOf(in *inputs.Inputs, start *config.Config) *config.Config {
	if in != nil && in.Config != nil {
		return in.Config
	}
	return start
}
