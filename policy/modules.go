// Package policy holds the bundled Rego rules and the engine that evaluates
// them: compiled and prepared once, evaluated per subject (a person, or an
// account without a known owner) in parallel.
package policy

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

//go:embed rego
var bundled embed.FS

// Module is one Rego source file.
type Module struct {
	// Name is where it came from: "bundled:separation/x.rego" or a file path.
	Name   string
	Source []byte
}

// IsTest reports whether the module holds Rego tests (*_test.rego).
func (m Module) IsTest() bool { return strings.HasSuffix(m.Name, "_test.rego") }

// Bundled returns the modules embedded in the binary, tests included.
func Bundled() []Module {
	var mods []Module
	_ = fs.WalkDir(bundled, "rego", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
			return err
		}
		src, err := bundled.ReadFile(p)
		if err != nil {
			return err
		}
		mods = append(mods, Module{Name: "bundled:" + strings.TrimPrefix(p, "rego/"), Source: src})
		return nil
	})
	return mods
}

// LoadDirs reads every *.rego file below the given folders (policy.extra).
func LoadDirs(dirs []string) ([]Module, error) {
	var mods []Module
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(p, ".rego") {
				return nil
			}
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			mods = append(mods, Module{Name: p, Source: src})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("policy.extra %s: %w", dir, err)
		}
	}
	return mods, nil
}

// WithoutTests drops the test modules.
func WithoutTests(mods []Module) []Module {
	var out []Module
	for _, m := range mods {
		if !m.IsTest() {
			out = append(out, m)
		}
	}
	return out
}

// Digest is "sha256:<hex>" over the names and sources of the modules that
// decide (tests excluded), in name order.
func Digest(mods []Module) string {
	mods = WithoutTests(mods)
	sort.Slice(mods, func(i, j int) bool { return mods[i].Name < mods[j].Name })
	h := sha256.New()
	for _, m := range mods {
		fmt.Fprintf(h, "%s\n%d\n", m.Name, len(m.Source))
		h.Write(m.Source)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
