// Package inputs reads every input the config names (the org, the systems,
// the HR feed, each source) into one graph, by one sequence that load,
// validate and apply share; what apply can do with each source follows
// from its connector.
package inputs

import (
	"context"
	"log/slog"
	"runtime"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/hrfeed"
	"github.com/accessrecon/accessrecon/connectors/orgdata"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
)

// Inputs is the graph built from every input, with the digest of each.
type Inputs struct {
	// Config is the config the inputs were read by.
	Config *config.Config
	Graph  *graph.Graph
	// Digests maps each input (a file path as written in the config, or a
	// source name) to "sha256:<hex>" of what was read.
	Digests map[string]string
	// HRHistory is what hr.history derived from this HR snapshot (nil
	// without hr.history): Finish keeps it once a plan is recorded.
	HRHistory *hrfeed.Derived
}

// Load reads every input the config names into a new graph. Any error fails
// the whole load: nothing is planned from partial data.
func Load(ctx context.Context, cfg *config.Config, log *slog.Logger) (*Inputs, error) {
	return load(ctx, cfg, log, true, nil)
}

// LoadPeople reads the org, systems, windows, exceptions and the HR feed,
// but no source: what commands that ask who someone is need (approve).
func LoadPeople(ctx context.Context, cfg *config.Config, log *slog.Logger) (*Inputs, error) {
	return load(ctx, cfg, log, false, nil)
}

// LoadWithProgress is Load telling progress, if set, of each input read
// (org, systems, windows, exceptions, the HR feed, each source).
func LoadWithProgress(ctx context.Context, cfg *config.Config, log *slog.Logger, progress func(done, total int)) (*Inputs, error) {
	return load(ctx, cfg, log, true, progress)
}

func load(ctx context.Context, cfg *config.Config, log *slog.Logger, withSources bool, progress func(done, total int)) (*Inputs, error) {
	var sources []Opened
	if withSources {
		sources = OpenSources(ctx, cfg, log)
	}
	done, total := 0, 5+len(sources)
	advance := func() {
		if done++; progress != nil {
			progress(done, total)
		}
	}
	g := graph.New()
	w := g.Writer()
	in := &Inputs{Config: cfg, Graph: g, Digests: map[string]string{}}
	files := cfg.Files

	// The HR feed and the file sources start reading now, file after file in
	// the order they are written (as many at once as there are cores besides
	// the one writing), while the inputs before them are written.
	log.Debug("loading inputs", "config", cfg.Path)
	turns := connectors.NewTurns(runtime.GOMAXPROCS(0) - 1)
	feed, err := HRFeed(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if cfg.HR.History != "" {
		if !cfg.OnDisk() {
			w.Abort()
			return nil, i18n.Errorf("hr.history is only kept on the local file system")
		}
		h, _, err := hrfeed.ReadHistory(cfg.Resolve(cfg.HR.History))
		if err != nil {
			w.Abort()
			return nil, err
		}
		feed.History, feed.SeenOn = h, graph.DateOf(time.Now())
		if !cfg.HR.SeenOn.IsZero() {
			feed.SeenOn = graph.DateOf(cfg.HR.SeenOn)
		}
	}
	hr := feed.Stage(ctx, turns)
	defer hr.Stop()
	staged := make([]connectors.Staged, len(sources))
	for i, o := range sources {
		if st, ok := o.Source.(connectors.Stager); ok && o.Err == nil {
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
		advance()
		if s.path == cfg.Systems {
			// A directory's or an organisation's own system exists before
			// its source is read: exceptions.yaml may name it (a built-in
			// administrator account, say) without systems.yaml listing it.
			for _, src := range sources {
				if o, ok := src.Source.(connectors.OwnSystemer); ok && o.OwnSystem() != "" && !w.Exists(graph.TableSystems, o.OwnSystem()) {
					if err := w.DeclareEntitlements(o.OwnSystem(), o.OwnSystem(), nil); err != nil {
						w.Abort()
						return nil, err
					}
				}
			}
		}
	}

	for _, s := range steps {
		if s.path == "" {
			advance() // an optional input not given
		}
	}
	ds, err := hr.Write(ctx, w)
	if err != nil {
		w.Abort()
		return nil, err
	}
	advance()
	in.Digests[HRInput(cfg)] = ds[feed.People]
	if cfg.HR.Transfers != "" {
		in.Digests[cfg.HR.Transfers] = ds[feed.Transfers]
	}
	if cfg.Roster != "" {
		d, err := orgdata.LoadRoster(ctx, files, cfg.Resolve(cfg.Roster), cfg.HR.Encoding, w)
		if err != nil {
			w.Abort()
			return nil, err
		}
		in.Digests[cfg.Roster] = d
	}
	if cfg.Duties != "" {
		d, err := orgdata.LoadDuties(ctx, files, cfg.Resolve(cfg.Duties), cfg.HR.Encoding, w)
		if err != nil {
			w.Abort()
			return nil, err
		}
		in.Digests[cfg.Duties] = d
	}
	if in.HRHistory = hr.Derived(); in.HRHistory != nil {
		// The plan binds the events derived from this snapshot, not the
		// history file that moves on once the plan is recorded.
		d, err := in.HRHistory.Digest()
		if err != nil {
			w.Abort()
			return nil, err
		}
		in.Digests[cfg.HR.History] = d
		log.Info("HR snapshot compared with the last one", "history", cfg.HR.History,
			"new_transfers", in.HRHistory.NewTransfers, "new_leavers", in.HRHistory.NewDeparted,
			"transfers", len(in.HRHistory.Transfers), "leavers", len(in.HRHistory.Departed))
	}

	for i, o := range sources {
		if o.Err != nil {
			w.Abort()
			return nil, o.Err
		}
		o.takeOwners()
		var d string
		var err error
		if staged[i] != nil {
			d, err = staged[i].Write(ctx, w)
		} else {
			d, err = o.Source.Pull(ctx, w)
		}
		if err != nil {
			w.Abort()
			return nil, i18n.Errorf("source %s failed, nothing is planned: %w", o.Name, err)
		}
		in.Digests[o.Name] = d
		advance()
		log.Debug("source pulled", "source", o.Name, "digest", d)
	}
	w.Commit()
	if log.Enabled(ctx, slog.LevelInfo) { // counting walks every table
		snap := g.Snapshot()
		log.Info("inputs loaded", "people", snap.Count(graph.TablePeople), "accounts", snap.AccountCount(), "grants", snap.GrantCount())
	}
	return in, nil
}

// HRFeed is the config's HR feed.
func HRFeed(ctx context.Context, cfg *config.Config, log *slog.Logger) (*hrfeed.Feed, error) {
	f := &hrfeed.Feed{Files: cfg.Files, People: cfg.Resolve(cfg.HR.People), Transfers: cfg.Resolve(cfg.HR.Transfers),
		Encoding: cfg.HR.Encoding, Columns: cfg.HR.Columns, Values: cfg.HR.Values, Sheet: cfg.HR.Sheet}
	hs := cfg.HR.Source
	if hs == nil {
		return f, nil
	}
	spec, ok := hs.Spec.(connectors.HRSpec)
	if !ok {
		return nil, i18n.Errorf("hr.source: the type %q is not known to this program", hs.Type)
	}
	if err := spec.Check(connectors.CheckEnv{Name: HRSourceName}); err != nil {
		return nil, i18n.Errorf("%s: hr.source: %w", cfg.Path, err)
	}
	rows, digest, err := spec.OpenPeople(ctx, connectors.Env{Name: HRSourceName, Files: cfg.Files, Encoding: cfg.HR.Encoding, Log: log})
	if err != nil {
		return nil, i18n.Errorf("hr.source: %w", err)
	}
	f.People, f.Rows, f.RowsDigest = HRSourceName, rows, digest
	return f, nil
}

// HRSourceName names the people of an HR service (hr.source) in the plan's
// inputs and in errors, where a file's path would be.
const HRSourceName = "hr.source"

// HRInput is the name of the HR feed's people in the plan's inputs: the
// file as the config writes it, or hr.source.
func HRInput(cfg *config.Config) string {
	if cfg.HR.Source != nil {
		return HRSourceName
	}
	return cfg.HR.People
}
