package reconcile_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/accessrecon/accessrecon/"

// useCases are the packages of reconcile that each own one use case; the
// other packages under reconcile are what they share.
var useCases = []string{"apply", "certify", "evidence", "logcheck", "notify", "reset", "service"}

// leaves are the packages under reconcile that import nothing of it but
// each other, so that planning may use them.
var leaves = []string{"atomicfile", "audit", "calendar", "inputs", "pgstore", "signing"}

// imports lists the module packages that the non-test files of a folder
// import, relative to the module.
func imports(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range parsed.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if rel, ok := strings.CutPrefix(p, module); ok && !slices.Contains(out, rel) {
				out = append(out, rel)
			}
		}
	}
	return out
}

// TestDependenciesPointDown holds the layout of the use cases: connectors →
// graph → policy → reconcile → use cases → cmd. reconcile (planning) imports
// none of the packages under it but the leaves, which import nothing of
// reconcile; a use case never imports another, and what the use cases share
// (report, worksheet, audit, calendar) imports no use case; nothing below
// cmd imports a use case.
func TestDependenciesPointDown(t *testing.T) {
	// i18n is below everything: every layer's messages use it.
	if imps := imports(t, "../i18n"); len(imps) > 0 {
		t.Errorf("i18n imports %v: it must import nothing of the module", imps)
	}
	for _, imp := range imports(t, ".") {
		if under, ok := strings.CutPrefix(imp, "reconcile/"); ok && !slices.Contains(leaves, under) {
			t.Errorf("reconcile imports %s: planning must not depend on what is built on it", imp)
		}
	}
	for _, leaf := range leaves {
		for _, imp := range imports(t, leaf) {
			under, ok := strings.CutPrefix(imp, "reconcile/")
			if imp == "reconcile" || ok && !slices.Contains(leaves, under) {
				t.Errorf("reconcile/%s imports %s: a leaf imports nothing of reconcile but other leaves", leaf, imp)
			}
		}
	}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "testdata" {
			continue
		}
		for _, imp := range imports(t, e.Name()) {
			other, ok := strings.CutPrefix(imp, "reconcile/")
			if ok && slices.Contains(useCases, other) {
				t.Errorf("reconcile/%s imports the use case %s: use cases are siblings and shared packages sit below them", e.Name(), imp)
			}
		}
		if slices.Contains(useCases, e.Name()) {
			seen++
		}
	}
	if seen != len(useCases) {
		t.Errorf("found %d of the use-case packages %v", seen, useCases)
	}
	for _, below := range []string{"../graph", "../policy", "../connectors", "../config"} {
		filepath.WalkDir(below, func(path string, d os.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return err
			}
			for _, imp := range imports(t, path) {
				if imp == "reconcile" || strings.HasPrefix(imp, "reconcile/") {
					t.Errorf("%s imports %s: data flows from connectors to reconcile, not back", path, imp)
				}
			}
			return nil
		})
	}
}

// TestASourceTypeIsItsOwnPackage holds the source design: the one list of
// source types (connectors/catalog) and the packages of the types it
// lists are imported by cmd alone (and by test helpers); the config knows
// no connector, and no other package knows a source type but through its
// spec and the interfaces of its connector.
func TestASourceTypeIsItsOwnPackage(t *testing.T) {
	typePkgs := []string{"connectors/catalog"}
	for _, imp := range imports(t, "../connectors/catalog") {
		if imp != "connectors" {
			typePkgs = append(typePkgs, imp)
		}
	}
	if len(typePkgs) < 4 {
		t.Fatalf("the catalog lists %v: expected the file, ldap and github types at least", typePkgs[1:])
	}
	for _, imp := range imports(t, "../config") {
		if !strings.HasPrefix(imp, "input") && imp != "i18n" {
			t.Errorf("config imports %s: it may import only input and i18n", imp)
		}
	}
	filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel := strings.TrimPrefix(filepath.ToSlash(path), "../")
		if rel == "cmd" || strings.HasPrefix(rel, "cmd/") || strings.HasSuffix(rel, "test") || rel == "connectors/catalog" {
			return nil
		}
		for _, imp := range imports(t, path) {
			if slices.Contains(typePkgs, imp) && !strings.HasPrefix(rel, imp+"/") && rel != imp {
				t.Errorf("%s imports %s: only cmd knows the source types (connectors/catalog)", rel, imp)
			}
		}
		return nil
	})
}
