// Package reconcile turns what the sources say and what the policy finds into
// plans: the reconcile plan, the plan for one transfer, and the files that
// carry them.
package reconcile

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/export"
	"github.com/accessrecon/accessrecon/connectors/github"
	"github.com/accessrecon/accessrecon/connectors/hrfeed"
	"github.com/accessrecon/accessrecon/connectors/ldap"
	"github.com/accessrecon/accessrecon/connectors/orgdata"
	"github.com/accessrecon/accessrecon/graph"
)

// Inputs is the graph built from every input, with the digest of each.
type Inputs struct {
	Graph *graph.Graph
	// Digests maps each input (a file path as written in the config, or a
	// source name) to "sha256:<hex>" of what was read.
	Digests map[string]string
}

// Load reads every input the config names into a new graph. Any error fails
// the whole load: nothing is planned from partial data.
func Load(ctx context.Context, cfg *config.Config, log *slog.Logger) (*Inputs, error) {
	g := graph.New()
	w := g.Writer()
	in := &Inputs{Graph: g, Digests: map[string]string{}}
	files := cfg.Files

	// The HR feed and the file sources start reading now, file after file in
	// the order they are written (as many at once as there are cores besides
	// the one writing), while the inputs before them are written.
	log.Debug("loading inputs", "config", cfg.Path)
	turns := connectors.NewTurns(runtime.GOMAXPROCS(0) - 1)
	feed := &hrfeed.Feed{Files: files, People: cfg.Resolve(cfg.HR.People), Transfers: cfg.Resolve(cfg.HR.Transfers), Encoding: cfg.HR.Encoding}
	hr := feed.Stage(ctx, turns)
	defer hr.Stop()
	srcs := make([]connectors.Source, len(cfg.Sources))
	srcErrs := make([]error, len(cfg.Sources))
	staged := make([]connectors.Staged, len(cfg.Sources))
	for i, sc := range cfg.Sources {
		srcs[i], srcErrs[i] = NewSource(cfg, sc, log)
		if st, ok := srcs[i].(connectors.Stager); ok && srcErrs[i] == nil {
			staged[i] = st.Stage(ctx, turns)
			defer staged[i].Stop()
		}
	}

	type step struct {
		path string
		load func(name string) (string, error)
	}
	steps := []step{
		{cfg.Org, func(n string) (string, error) { return orgdata.LoadOrg(files, n, w) }},
		{cfg.Systems, func(n string) (string, error) { return orgdata.LoadSystems(files, n, w) }},
		{cfg.Emergencies, func(n string) (string, error) { return orgdata.LoadEmergencies(files, n, w) }},
		{cfg.Exceptions, func(n string) (string, error) { return orgdata.LoadExceptions(files, n, w) }},
	}
	for _, s := range steps {
		if s.path == "" {
			continue
		}
		d, err := s.load(cfg.Resolve(s.path))
		if err != nil {
			w.Abort()
			return nil, err
		}
		in.Digests[s.path] = d
	}

	ds, err := hr.Write(ctx, w)
	if err != nil {
		w.Abort()
		return nil, err
	}
	in.Digests[cfg.HR.People] = ds[feed.People]
	if cfg.HR.Transfers != "" {
		in.Digests[cfg.HR.Transfers] = ds[feed.Transfers]
	}

	pulled := map[string]connectors.Source{}
	for i, sc := range cfg.Sources {
		src, err := srcs[i], srcErrs[i]
		if err != nil {
			w.Abort()
			return nil, err
		}
		if from := sc.OwnersFrom.Source; from != "" {
			dir, ok := pulled[from].(interface{ OwnersByLogin() map[string]string })
			gh, isGitHub := src.(githubSource)
			if !ok || !isGitHub {
				w.Abort()
				return nil, fmt.Errorf("source %s: owners_from: %s is not an ldap source pulled before it", sc.Name, from)
			}
			gh.AddOwners(dir.OwnersByLogin())
		}
		pulled[sc.Name] = src
		var d string
		if staged[i] != nil {
			d, err = staged[i].Write(ctx, w)
		} else {
			d, err = src.Pull(ctx, w)
		}
		if err != nil {
			w.Abort()
			return nil, fmt.Errorf("source %s failed, nothing is planned: %w", sc.Name, err)
		}
		in.Digests[sc.Name] = d
		log.Debug("source pulled", "source", sc.Name, "digest", d)
	}
	w.Commit()
	if log.Enabled(ctx, slog.LevelInfo) { // counting walks every table
		snap := g.Snapshot()
		log.Info("inputs loaded", "people", snap.Count(graph.TablePeople), "accounts", snap.AccountCount(), "grants", snap.GrantCount())
	}
	return in, nil
}

// NewSource makes the connector of a configured source.
func NewSource(cfg *config.Config, sc config.Source, log *slog.Logger) (connectors.Source, error) {
	switch sc.Type {
	case "file":
		return &export.Source{
			SourceName: sc.Name, Files: cfg.Files,
			Accounts: cfg.Resolve(sc.Accounts), Grants: cfg.Resolve(sc.Grants),
			Encoding: cfg.SourceEncoding(sc),
		}, nil
	case "github":
		return newGitHub(cfg, sc, log)
	case "ldap", "ldif":
		return newLDAP(cfg, sc, log)
	}
	return nil, fmt.Errorf("source %s: type %q is not supported; expected one of %v", sc.Name, sc.Type, config.SourceTypes)
}

// githubSource adds the owner mapping's digest to the organisation's.
type githubSource struct {
	*github.Source
	ownersDigest string
}

func (g githubSource) Pull(ctx context.Context, w *graph.Writer) (string, error) {
	d, err := g.Source.Pull(ctx, w)
	if err != nil {
		return "", err
	}
	return connectors.CombineDigests(d, g.ownersDigest), nil
}

func newGitHub(cfg *config.Config, sc config.Source, log *slog.Logger) (connectors.Source, error) {
	gc := github.Config{Org: sc.Org, BaseURL: sc.BaseURL, System: sc.System, ServiceAccounts: sc.ServiceAccounts}
	var err error
	if sc.AppID != 0 {
		if gc.HTTPClient, err = github.AppClient(sc.AppID, sc.InstallationID, cfg.Resolve(sc.PrivateKeyFile), sc.BaseURL); err != nil {
			return nil, fmt.Errorf("source %s: %w", sc.Name, err)
		}
	} else if gc.Token, err = secret(cfg, sc.TokenEnv, "GITHUB_TOKEN", sc.TokenFile); err != nil {
		return nil, fmt.Errorf("source %s: %w", sc.Name, err)
	}
	if sc.MaxRateWait != "" {
		gc.MaxRateWait, _ = time.ParseDuration(sc.MaxRateWait) // checked by config.Load
	}
	src := githubSource{}
	if sc.Owners != "" {
		if gc.Owners, src.ownersDigest, err = github.ReadOwners(cfg.Files, cfg.Resolve(sc.Owners)); err != nil {
			return nil, fmt.Errorf("source %s: %w", sc.Name, err)
		}
	}
	if src.Source, err = github.New(sc.Name, gc, log); err != nil {
		return nil, fmt.Errorf("source %s: %w", sc.Name, err)
	}
	return src, nil
}

func newLDAP(cfg *config.Config, sc config.Source, log *slog.Logger) (connectors.Source, error) {
	lc := ldap.Config{
		URL: sc.URL, StartTLS: sc.StartTLS, CAFile: cfg.Resolve(sc.CAFile), BindDN: sc.BindDN, System: sc.System, PageSize: sc.PageSize,
		AccountBase: sc.AccountQuery.BaseDN, AccountFilter: sc.AccountQuery.Filter, IDAttr: sc.AccountQuery.ID,
		OwnerAttr: sc.AccountQuery.Owner, KindAttr: sc.AccountQuery.Kind, DisabledAttr: sc.AccountQuery.Disabled,
		GroupBase: sc.GroupQuery.BaseDN, GroupFilter: sc.GroupQuery.Filter,
		DisableMethod: sc.Disable.Method, DisabledOU: sc.Disable.OU,
	}
	for _, other := range cfg.Sources {
		if other.OwnersFrom.Source == sc.Name {
			lc.LoginAttr = other.OwnersFrom.Attribute
		}
	}
	for _, m := range sc.Mappings {
		lc.Mappings = append(lc.Mappings, ldap.Mapping{DN: m.DN, Pattern: m.Pattern, System: m.System, Entitlement: m.Entitlement})
	}
	if sc.Type == "ldif" {
		src, err := ldap.NewLDIF(sc.Name, lc, cfg.Files, cfg.Resolve(sc.File), log)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", sc.Name, err)
		}
		return src, nil
	}
	if sc.BindDN != "" {
		var err error
		if lc.Password, err = secret(cfg, sc.PasswordEnv, "LDAP_PASSWORD", sc.PasswordFile); err != nil {
			return nil, fmt.Errorf("source %s: %w", sc.Name, err)
		}
	}
	src, err := ldap.New(sc.Name, lc, log)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", sc.Name, err)
	}
	return src, nil
}

// secret reads a credential from the environment variable env (def when
// empty) or from a file. Its value never appears in errors or logs.
func secret(cfg *config.Config, env, def, file string) (string, error) {
	if file != "" {
		data, err := fs.ReadFile(cfg.Files, cfg.Resolve(file))
		if err != nil {
			return "", fmt.Errorf("token_file %s: %w", file, err)
		}
		return strings.TrimSpace(string(data)), nil
	}
	if env == "" {
		env = def
	}
	v := strings.TrimSpace(os.Getenv(env))
	if v == "" {
		return "", fmt.Errorf("the environment variable %s is empty (set it, or give a file)", env)
	}
	return v, nil
}
