package inputs

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors/catalog"
	"github.com/accessrecon/accessrecon/connectors/export"
	"github.com/accessrecon/accessrecon/fixtures"
)

// TestHowApplyReachesFollowsTheConnector: what apply can do with a source
// follows from what its connector implements, whatever its type: a file
// export by work orders, a directory and an organisation by their
// connectors, an LDIF dump not at all.
func TestHowApplyReachesFollowsTheConnector(t *testing.T) {
	cfg, err := config.Load(fixtures.Demo, fixtures.DemoConfig, catalog.Types)
	if err != nil {
		t.Fatal(err)
	}
	reach, revokers, err := Reaches(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range cfg.Sources {
		if reach[sc.Name] != ByWorkOrder || revokers[sc.Name] != nil {
			t.Errorf("file source %s: reach %v, revoker %v: a file export is changed by its administrators", sc.Name, reach[sc.Name], revokers[sc.Name])
		}
	}

	t.Setenv("GITHUB_TOKEN", "token-for-the-test")
	cfg = loadSources(t, `
  - {name: dir, type: ldap, url: "ldap://127.0.0.1:1", account_search: {base_dn: "ou=people,dc=x"}, group_search: {base_dn: "ou=groups,dc=x"}}
  - {name: dump, type: ldif, file: dir.ldif, account_search: {base_dn: "ou=people,dc=x"}, group_search: {base_dn: "ou=groups,dc=x"}}
  - {name: gh, type: github, org: example, owners_from: {source: dir, attribute: githubLogin}}
`)
	reach, revokers, err = Reaches(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Reach{"dir": ByConnector, "dump": Unreachable, "gh": ByConnector}
	for name, r := range want {
		if reach[name] != r || (r == ByConnector) != (revokers[name] != nil) {
			t.Errorf("%s: reach %v, revoker %v; want %v", name, reach[name], revokers[name], r)
		}
	}
}

// loadSources loads a config with the demo's other inputs and these
// sources (YAML list items).
func loadSources(t *testing.T, sources string) *config.Config {
	t.Helper()
	cfg, err := config.Load(sourcesFS(sources), "conf/accessrecon.yaml", catalog.Types)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func sourcesFS(sources string) fstest.MapFS {
	return fstest.MapFS{"conf/accessrecon.yaml": {Data: []byte("org: org.yaml\nhr: {people: people.csv}\nsystems: systems.yaml\nsources:\n" + strings.TrimPrefix(sources, "\n"))}}
}

// TestASourceEntryIsCheckedByItsType: each type decodes its own keys, and
// what is wrong is named with the config's line: an unknown type (with the
// list of types), a key of another type, a missing field, an owners_from
// naming nothing listed before.
func TestASourceEntryIsCheckedByItsType(t *testing.T) {
	for _, c := range []struct{ sources, want string }{
		{"  - {name: a, type: okta}\n", `conf/accessrecon.yaml:5: field type: expected one of [file entra github ldap ldif sql scim], got "okta"`},
		{"  - name: a\n    type: file\n    accounts: a.csv\n    grants: g.csv\n    org: example\n", `conf/accessrecon.yaml:9: unknown key "org"`},
		{"  - name: a\n    type: ldap\n    url: ldap://x\n    account_search: {base_dn: dc=x, bogus: 1}\n", `conf/accessrecon.yaml:8: unknown key "bogus"`},
	} {
		_, err := config.Load(sourcesFS(c.sources), "conf/accessrecon.yaml", catalog.Types)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %s", c.sources, err, c.want)
		}
	}
	for _, c := range []struct{ sources, want string }{
		{"  - {name: a, type: file, accounts: a.csv}\n", `conf/accessrecon.yaml:5: field accounts: a file source needs both`},
		{"  - name: m365\n    type: entra\n    tenant_id: contoso\n", `conf/accessrecon.yaml:7: field tenant_id: expected the tenant's id (a GUID) or its domain, got "contoso"`},
		{"  - name: m365\n    type: entra\n    tenant_id: contoso.onmicrosoft.com\n    client_id: 11111111-1111-1111-1111-111111111111\n    graph_url: http://graph.example.com\n", `conf/accessrecon.yaml:9: field graph_url: expected an https URL`},
		{"  - name: gh\n    type: github\n    org: x\n    owners_from:\n      source: nobody\n      attribute: uid\n", `conf/accessrecon.yaml:9: field owners_from.source: expected an ldap source listed before gh, got "nobody"`},
		{"  - name: a\n    type: file\n    accounts: a.csv\n    grants: g.csv\n    encoding: ebcdic\n", `conf/accessrecon.yaml:9: field encoding:`},
	} {
		cfg := loadSources(t, c.sources)
		opened := OpenSources(context.Background(), cfg, nil)
		if err := opened[len(opened)-1].Err; err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %s", c.sources, err, c.want)
		}
	}
}

// TestPathsInASpecAreTheConfigFoldersOwn: a file source's paths are opened
// beside the config, whichever folder the command runs in.
func TestPathsInASpecAreTheConfigFoldersOwn(t *testing.T) {
	cfg := loadSources(t, "  - {name: a, type: file, accounts: exports/a.csv, grants: /abs/g.csv}\n")
	spec := cfg.Sources[0].Spec.(*export.Spec)
	if spec.Accounts.Resolved() != "conf/exports/a.csv" || spec.Accounts.String() != "exports/a.csv" || spec.Grants.Resolved() != "/abs/g.csv" {
		t.Errorf("accounts %s (written %s), grants %s", spec.Accounts.Resolved(), spec.Accounts, spec.Grants.Resolved())
	}
}
