package connectors

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
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
	// config's folder as they are decoded. Nil for a type that reads only
	// people.
	NewSpec func() Spec
	// NewHRSpec, for a type that can be the HR feed (hr.source), is an
	// empty spec of that entry.
	NewHRSpec func() HRSpec
}

// HRSpec is what the config says of an HR service that is the HR feed
// (hr.source): its people are read as the rows of a people.csv would be.
type HRSpec interface {
	Check(env CheckEnv) error
	// OpenPeople makes the reader of the service's people: rows whose first
	// is the header (people.csv's column ids), read when asked for, and
	// the digest of what was read once the rows have ended.
	OpenPeople(ctx context.Context, env Env) (rows Rows, digest func() string, err error)
}

// Rows are the rows of a table read one at a time, the header first (a
// csvfile.Records).
type Rows interface {
	Read() ([]string, error)
	// Line is the row of the record Read returned last.
	Line() int
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

// Names are the names of the types of accounts sources, in order.
func (ts Types) Names() []string {
	var names []string
	for _, t := range ts {
		if t.NewSpec != nil {
			names = append(names, t.Name)
		}
	}
	return names
}

// NewSpec is an empty spec of the named type, or nil when there is none.
func (ts Types) NewSpec(name string) any {
	if i := slices.IndexFunc(ts, func(t Type) bool { return t.Name == name && t.NewSpec != nil }); i >= 0 {
		return ts[i].NewSpec()
	}
	return nil
}

// HRNames are the names of the types that can be the HR feed.
func (ts Types) HRNames() []string {
	var names []string
	for _, t := range ts {
		if t.NewHRSpec != nil {
			names = append(names, t.Name)
		}
	}
	return names
}

// NewHRSpec is an empty HR spec of the named type, or nil when there is
// none.
func (ts Types) NewHRSpec(name string) any {
	if i := slices.IndexFunc(ts, func(t Type) bool { return t.Name == name && t.NewHRSpec != nil }); i >= 0 {
		return ts[i].NewHRSpec()
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

// HRHook is an HR service's webhook as its spec reads it: a trigger to
// read a person again from the service, never the truth about them.
type HRHook interface {
	// Verify reports whether the request comes from the service (its
	// secret token or signature), before its body is trusted for anything.
	Verify(r *http.Request, body []byte) bool
	// Parse is the delivery's key (the same delivery twice has the same
	// key) and the service's id of the person it is about; relevant is
	// false for an event that can move no one.
	Parse(body []byte) (key, person string, relevant bool, err error)
	// Lookup reads the person from the service: their employee id and
	// unit (as the service writes it, before hr.values).
	Lookup(ctx context.Context, person string) (employeeID, unit string, err error)
}

// HRHooker is an HR spec whose service sends webhooks; Hook is nil when
// the config gives no webhook secret.
type HRHooker interface {
	Hook(ctx context.Context, env Env) (HRHook, error)
}
