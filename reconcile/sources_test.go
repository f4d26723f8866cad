package reconcile

import (
	"slices"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/fixtures"
)

// TestSourceTypesAreRegisteredOnce: the config knows exactly the source
// types reconcile can load, each with its checks, connector and reach, and
// a config naming another type is refused with the list.
func TestSourceTypesAreRegisteredOnce(t *testing.T) {
	var names []string
	for _, st := range sourceTypes {
		names = append(names, st.Name)
		if st.Check == nil || st.New == nil {
			t.Errorf("source type %s lacks its checks or its connector", st.Name)
		}
	}
	if got := config.SourceTypes(); !slices.Equal(got, names) {
		t.Errorf("config knows %v, reconcile %v", got, names)
	}
	cfg, err := config.Load(fixtures.Demo, fixtures.DemoConfig)
	if err != nil {
		t.Fatal(err)
	}
	reach, revokers, err := Reaches(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range cfg.Sources {
		if reach[sc.Name] != ByWorkOrder || revokers[sc.Name] != nil {
			t.Errorf("file source %s: reach %v, revoker %v: a file export is changed by its administrators", sc.Name, reach[sc.Name], revokers[sc.Name])
		}
	}
	cfg.Sources[0].Type = "scim"
	if _, err := NewSource(cfg, cfg.Sources[0], nil); err == nil || !strings.Contains(err.Error(), "[file github ldap ldif]") {
		t.Errorf("an unknown type: %v", err)
	}
}
