package export

import (
	"context"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/input"
)

// Type is the `file` source type.
var Type = connectors.Type{Name: "file", NewSpec: func() connectors.Spec { return &Spec{} }}

// Spec is a file source's entry in the config.
type Spec struct {
	// Accounts and Grants are the CSV (or XLSX) exports.
	Accounts input.Path `yaml:"accounts"`
	Grants   input.Path `yaml:"grants"`
	// Encoding overrides hr.encoding for this source's files.
	Encoding string `yaml:"encoding"`
	// Columns and Values map the export's headers and values, as hr.columns
	// and hr.values do.
	Columns map[string]string            `yaml:"columns"`
	Values  map[string]map[string]string `yaml:"values"`
}

// Check needs both files and a known encoding.
func (s *Spec) Check(connectors.CheckEnv) error {
	if s.Accounts.IsZero() || s.Grants.IsZero() {
		return input.FieldErrorf("accounts", "a file source needs both accounts and grants paths")
	}
	if _, err := input.NormalizeEncoding(s.Encoding); err != nil {
		return input.FieldErrorf("encoding", "%v", err)
	}
	return nil
}

// Open is the export's reader. A file export is changed by the system's
// administrators, from work orders.
func (s *Spec) Open(_ context.Context, env connectors.Env) (connectors.Source, error) {
	enc := s.Encoding
	if enc == "" {
		enc = env.Encoding
	}
	return &Source{SourceName: env.Name, Files: env.Files, Accounts: s.Accounts.Resolved(), Grants: s.Grants.Resolved(),
		Encoding: enc, Columns: s.Columns, Values: s.Values}, nil
}
