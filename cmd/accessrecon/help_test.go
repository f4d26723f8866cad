package main

import (
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// humanOutput are the commands whose output people read: each takes --lang.
var humanOutput = []string{
	"init", "validate", "plan", "transfer check", "transfer plan", "reset plan", "reset worksheet",
	"certify open", "certify close", "certify report", "logs check", "approve", "apply", "show", "demo",
}

// TestEveryCommandExplainsItself walks the whole command line: every command
// has a purpose, its help shows at least one example that runs accessrecon,
// every command with human output takes --lang, and no flag shows a default
// that is not one (a required --year is not "0").
func TestEveryCommandExplainsItself(t *testing.T) {
	app := newApp(io.Discard, io.Discard)
	seen := 0
	var walk func(cmds []*cli.Command, parent string)
	walk = func(cmds []*cli.Command, parent string) {
		for _, c := range cmds {
			path := strings.TrimSpace(parent + " " + c.Name)
			if len(c.Subcommands) > 0 {
				walk(c.Subcommands, path)
				continue
			}
			seen++
			if c.Usage == "" {
				t.Errorf("%s: no one-line purpose", path)
			}
			if !strings.Contains(c.Description, "Examples") || !strings.Contains(c.Description, "accessrecon "+path) {
				t.Errorf("%s: its help has no example of `accessrecon %s`", path, path)
			}
			hasLang := slices.ContainsFunc(c.Flags, func(f cli.Flag) bool { return slices.Contains(f.Names(), "lang") })
			if slices.Contains(humanOutput, path) && !hasLang {
				t.Errorf("%s: human output without --lang", path)
			}
			for _, f := range c.Flags {
				if r, ok := f.(cli.RequiredFlag); ok && r.IsRequired() {
					if d, ok := f.(cli.DocGenerationFlag); ok && d.GetDefaultText() == "0" {
						t.Errorf("%s: required flag --%s shows (default: 0)", path, f.Names()[0])
					}
				}
			}
		}
	}
	walk(app.Commands, "")
	if seen < 20 {
		t.Errorf("walked %d commands, expected every one", seen)
	}
	for _, path := range humanOutput {
		if len(examples[path]) == 0 {
			t.Errorf("%s: listed, but has no examples (renamed?)", path)
		}
	}
}

// TestVersionNamesTheBuild: the version line says which build it is.
func TestVersionNamesTheBuild(t *testing.T) {
	stdout, _, code := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(stdout, "accessrecon ") || !strings.Contains(stdout, "go1.") || strings.Contains(stdout, "(devel)") {
		t.Errorf("version: %q", stdout)
	}
}
