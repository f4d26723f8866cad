// Package sqldb is the `type: sql` source: the accounts and rights of a
// business system read from its database tables by two queries, in one
// read-only transaction on one snapshot, and, when the config gives the
// statements, changed by parameterised statements that must each affect
// exactly one row.
package sqldb

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/input"
)

// Type is the `sql` source type.
var Type = connectors.Type{Name: "sql", NewSpec: func() connectors.Spec { return &Spec{} }}

// Spec is a sql source's entry in the config:
//
//   - name: takuso-db
//     type: sql
//     driver: postgres            # postgres, mysql (MySQL, MariaDB) or sqlite
//     dsn_env: TAKUSO_DSN         # or dsn_file: secrets/takuso.dsn; never inline
//     system: takuso              # the system of every row (when the queries return no system column)
//     accounts:
//     query: SELECT login, emp_no, kind, disabled, created_on FROM users
//     grants:
//     query: SELECT login, role_code, granted_on, valid_until FROM user_roles
//     columns: {login: account_id, emp_no: owner, disabled: disabled, created_on: created_at,
//     role_code: entitlement, granted_on: granted_at, valid_until: expires_at}
//     changes:                    # optional: without it, apply writes work orders
//     revoke: {statement: "DELETE FROM user_roles WHERE login = $1 AND role_code = $2", args: [account, entitlement]}
//     disable_account: {statement: "UPDATE users SET disabled = true WHERE login = $1 AND NOT disabled", args: [account]}
type Spec struct {
	Driver string `yaml:"driver"`
	// DSNEnv names the environment variable that holds the data source
	// name; DSNFile is a file holding it instead. It is never written in
	// the config, and never logged.
	DSNEnv  string     `yaml:"dsn_env"`
	DSNFile input.Path `yaml:"dsn_file"`
	// File is an SQLite database file, read-only, instead of a data source
	// name (driver sqlite only).
	File input.Path `yaml:"file"`
	// System is the system of every account and grant when a query
	// returns no system column.
	System string `yaml:"system"`
	// Timeout bounds the whole read, and each statement on the server
	// where the driver can say so (default 10m).
	Timeout  string `yaml:"timeout"`
	Accounts Query  `yaml:"accounts"`
	Grants   Query  `yaml:"grants"`
	// Columns and Values map the queries' column names and values, as a
	// file source's do: {login: account_id}, {kind: {共用: shared}}.
	Columns map[string]string            `yaml:"columns"`
	Values  map[string]map[string]string `yaml:"values"`
	// Changes are the statements apply runs, by action: revoke,
	// disable_account. An action without one is a work order.
	Changes map[string]Statement `yaml:"changes"`
}

// Query is a SELECT whose rows are accounts or grants.
type Query struct {
	Query string `yaml:"query"`
}

// Statement is a parameterised statement and the values bound to its
// parameters, in order: system, account, entitlement. Values are always
// bound, never written into the statement.
type Statement struct {
	Statement string   `yaml:"statement"`
	Args      []string `yaml:"args"`
}

// argNames are the values a statement may bind.
var argNames = []string{"system", "account", "entitlement"}

// ops are the actions a statement may carry out.
var ops = []string{"revoke", "disable_account"}

const defaultTimeout = 10 * time.Minute

// Check checks the fields; the queries run at validate and plan.
func (s *Spec) Check(connectors.CheckEnv) error {
	if _, ok := drivers[s.Driver]; !ok {
		return input.FieldErrorf("driver", "expected one of %v, got %q", slices.Sorted(maps.Keys(drivers)), s.Driver)
	}
	switch {
	case !s.File.IsZero() && s.Driver != "sqlite":
		return input.FieldErrorf("file", "a database file is read with driver sqlite; other databases need dsn_env or dsn_file")
	case !s.File.IsZero() && (s.DSNEnv != "" || !s.DSNFile.IsZero()):
		return input.FieldErrorf("file", "expected file or a data source name (dsn_env, dsn_file), not both")
	case s.File.IsZero() && s.DSNEnv == "" && s.DSNFile.IsZero():
		return input.FieldErrorf("dsn_env", "a sql source needs dsn_env or dsn_file (the data source name is never written in the config)")
	}
	if s.Timeout != "" {
		if d, err := time.ParseDuration(s.Timeout); err != nil || d <= 0 {
			return input.FieldErrorf("timeout", "expected a duration such as 5m, got %q", s.Timeout)
		}
	}
	if s.Accounts.Query == "" {
		return input.FieldErrorf("accounts.query", "expected the query whose rows are the accounts")
	}
	if s.Grants.Query == "" {
		return input.FieldErrorf("grants.query", "expected the query whose rows are the grants")
	}
	if len(s.Changes) > 0 && !s.File.IsZero() {
		return input.FieldErrorf("changes", "a database file is read-only: changes need a data source name (dsn_env, dsn_file)")
	}
	for _, op := range slices.Sorted(maps.Keys(s.Changes)) {
		st := s.Changes[op]
		if !slices.Contains(ops, op) {
			return input.FieldErrorf("changes."+op, "expected one of %v", ops)
		}
		if st.Statement == "" {
			return input.FieldErrorf("changes."+op+".statement", "expected the statement that carries out %s", op)
		}
		for _, a := range st.Args {
			if !slices.Contains(argNames, a) {
				return input.FieldErrorf("changes."+op+".args", "expected values among %v, got %q", argNames, a)
			}
		}
	}
	return nil
}

// Open reads the data source name; it connects to nothing. With changes,
// the source carries out those actions (the others are work orders);
// without, every action is a work order.
func (s *Spec) Open(_ context.Context, env connectors.Env) (connectors.Source, error) {
	var dsn string
	if s.File.IsZero() {
		var err error
		if dsn, err = input.Secret(env.Files, s.DSNEnv, "", s.DSNFile); err != nil {
			return nil, err
		}
	}
	timeout := defaultTimeout
	if s.Timeout != "" {
		timeout, _ = time.ParseDuration(s.Timeout) // checked by Check
	}
	src := &Source{name: env.Name, spec: s, driver: drivers[s.Driver], dsn: dsn, files: env.Files, timeout: timeout, log: env.Log}
	if len(s.Changes) > 0 {
		return &Changer{src}, nil
	}
	return src, nil
}
