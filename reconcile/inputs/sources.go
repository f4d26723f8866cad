package inputs

import (
	"context"
	"log/slog"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/i18n"
)

// Reach is how apply carries out the actions on a source's accounts.
type Reach int

const (
	// ByWorkOrder: the administrators of the system do it by hand, from a
	// work order, and confirm it (apply --confirm-manual).
	ByWorkOrder Reach = iota
	// ByConnector: the source's connector (a connectors.Revoker) does it.
	ByConnector
	// Unreachable: no one can (the source is a copy, such as an LDIF dump):
	// the action fails and says so.
	Unreachable
)

// ReachOf is how apply reaches a source, by what its connector implements.
func ReachOf(src connectors.Source) Reach {
	if _, ok := src.(connectors.Copy); ok {
		return Unreachable
	}
	if _, ok := src.(connectors.Revoker); ok {
		return ByConnector
	}
	return ByWorkOrder
}

// Opened is one source of the config, checked and opened: its connector,
// or why it has none.
type Opened struct {
	Name   string
	Source connectors.Source
	Err    error
	// owners is the source this one takes its owners from (owners_from).
	owners connectors.LoginIndex
}

// takeOwners gives the source the owners its login index read; call it
// after the index's Pull and before the source's.
func (o Opened) takeOwners() {
	if o.owners != nil {
		o.Source.(connectors.OwnerTaker).AddOwners(o.owners.OwnersByLogin())
	}
}

// OpenSources checks and opens every source the config names, in order:
// the one sequence load, validate and apply walk. A source that takes its
// owners from another (owners_from) is wired to it. A source that fails
// has its error, placed in the config file, and no connector.
func OpenSources(ctx context.Context, cfg *config.Config, log *slog.Logger) []Opened {
	opened := make([]Opened, len(cfg.Sources))
	specs := map[string]connectors.Spec{}
	for i, sc := range cfg.Sources {
		o := &opened[i]
		o.Name = sc.Name
		spec, ok := sc.Spec.(connectors.Spec)
		if !ok {
			o.Err = cfg.SourceErrorf(i, "type", "the source type %q is not known to this program", sc.Type)
			continue
		}
		env := connectors.CheckEnv{Name: sc.Name, Earlier: func(name string) (connectors.Spec, bool) {
			s, ok := specs[name]
			return s, ok
		}}
		specs[sc.Name] = spec
		if err := spec.Check(env); err != nil {
			o.Err = cfg.SourceError(i, err)
			continue
		}
		src, err := spec.Open(ctx, connectors.Env{Name: sc.Name, Files: cfg.Files, Encoding: cfg.HR.Encoding, Log: log})
		if err != nil {
			o.Err = i18n.Errorf("source %s: %w", sc.Name, err)
			continue
		}
		o.Source = src
		if of, ok := spec.(connectors.OwnersFrom); ok {
			if from, attr := of.LoginsFrom(); from != "" {
				o.Err = wireOwners(o, opened[:i], from, attr)
			}
		}
	}
	return opened
}

// wireOwners makes o take its owners from the source named from, listed
// before it, whose accounts' attribute holds o's logins.
func wireOwners(o *Opened, earlier []Opened, from, attr string) error {
	for _, e := range earlier {
		if e.Name != from {
			continue
		}
		index, isIndex := e.Source.(connectors.LoginIndex)
		_, takes := o.Source.(connectors.OwnerTaker)
		if e.Err != nil || !isIndex || !takes {
			break
		}
		index.IndexLogins(attr)
		o.owners = index
		return nil
	}
	o.Source = nil
	return i18n.Errorf("source %s: owners_from: %s is not an ldap source pulled before it", o.Name, from)
}

// Reaches are how apply reaches each configured source, by name, and the
// connectors of those it reaches through them. A source that cannot be
// opened fails them all: apply checks every source before it changes any.
func Reaches(ctx context.Context, cfg *config.Config, log *slog.Logger) (map[string]Reach, map[string]connectors.Revoker, error) {
	reach := map[string]Reach{}
	revokers := map[string]connectors.Revoker{}
	for _, o := range OpenSources(ctx, cfg, log) {
		if o.Err != nil {
			return nil, nil, o.Err
		}
		reach[o.Name] = ReachOf(o.Source)
		if reach[o.Name] == ByConnector {
			revokers[o.Name] = o.Source.(connectors.Revoker)
		}
	}
	return reach, revokers, nil
}
