package connectors

import (
	"context"
	"io/fs"
	"log/slog"
	"slices"
)

// Type is one type of source (file, ldap, github, sql, ...): its name in the
// config and a new, empty spec for an entry of that type. A type lives in
// its connector's package; the one list of the types a program knows is
// connectors/catalog, which only cmd imports.
type Type struct {
	Name string
	// NewSpec is an empty spec the config decodes the source's entry into
	// (every key of the entry but name and type; unknown keys are refused
	// with their line). Fields of type input.Path are resolved against the
	// config's folder as they are decoded.
	NewSpec func() Spec
}

// Spec is what the config says of one source of some type.
type Spec interface {
	// Check checks the spec's fields without reading anything: validate,
	// plan and apply call it before Open. An error about one field is an
	// input.FieldError, which the config places at its line.
	Check(env CheckEnv) error
	// Open makes the source's connector. It reads what the connector needs
	// to start (a mapping file, a credential) but not the source itself:
	// Pull does. What apply can do with the source follows from the
	// interfaces the connector implements: Revoker (apply carries out the
	// actions), Copy (nobody can), neither (work orders, done by hand).
	Open(ctx context.Context, env Env) (Source, error)
}

// CheckEnv is what a spec's Check may look at besides its own fields.
type CheckEnv struct {
	// Name is the source's name.
	Name string
	// Earlier is the spec of a source listed before this one, by name.
	Earlier func(name string) (Spec, bool)
}

// Env is what a spec's Open is given.
type Env struct {
	// Name is the source's name, as plans name it.
	Name string
	// Files opens the paths of the config (input.Path's Resolved).
	Files fs.FS
	// Encoding is the deployment's default text encoding (hr.encoding).
	Encoding string
	Log      *slog.Logger
}

// Types is a list of source types; it gives the config the spec of each
// entry by its type.
type Types []Type

// Names are the types' names, in order.
func (ts Types) Names() []string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	return names
}

// NewSpec is an empty spec of the named type, or nil when there is none.
func (ts Types) NewSpec(name string) any {
	if i := slices.IndexFunc(ts, func(t Type) bool { return t.Name == name }); i >= 0 {
		return ts[i].NewSpec()
	}
	return nil
}

// Copy is a source read from a copy of the system (an LDIF dump): apply can
// carry out nothing on it, not even by a work order to its administrators,
// and says so.
type Copy interface {
	Source
	IsCopy() bool
}

// OwnersFrom is a spec whose accounts' owners come from another source
// listed before it: each account's login is the value of attribute on that
// source's accounts, whose owners are known.
type OwnersFrom interface {
	LoginsFrom() (source, attribute string)
}

// LoginSpec is a spec whose connector is a LoginIndex: another source may
// take its owners from it (OwnersFrom).
type LoginSpec interface {
	IndexesLogins() bool
}

// LoginIndex is a source that maps the values of an attribute of its
// accounts (another system's logins) to the accounts' owners.
type LoginIndex interface {
	// IndexLogins asks, before Pull, for the attribute to be read.
	IndexLogins(attribute string)
	// OwnersByLogin is the mapping read by Pull: login → employee id.
	OwnersByLogin() map[string]string
}

// OwnerTaker is a source that takes its owners from a LoginIndex before
// its Pull.
type OwnerTaker interface {
	AddOwners(owners map[string]string)
}
