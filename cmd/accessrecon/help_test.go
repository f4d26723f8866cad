package main

import (
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/i18n"
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

// TestHelpInJapanese: with --lang ja (or a Japanese LANG) every help page
// is Japanese: each command's purpose, arguments and flags have Japanese,
// and no page holds an English sentence; a mistake in the command line is
// one line in Japanese that points at the help.
func TestHelpInJapanese(t *testing.T) {
	app := newApp(io.Discard, io.Discard)
	var paths [][]string
	var walk func(cmds []*cli.Command, parent []string)
	walk = func(cmds []*cli.Command, parent []string) {
		for _, c := range cmds {
			path := append(slices.Clone(parent), c.Name)
			paths = append(paths, path)
			for _, s := range []string{c.Usage, c.ArgsUsage} {
				if strings.TrimSpace(s) != "" && !i18n.Has(s) {
					t.Errorf("%s: no Japanese for %q (help_ja.go)", strings.Join(path, " "), s)
				}
			}
			for _, f := range c.Flags {
				if d, ok := f.(cli.DocGenerationFlag); ok && !i18n.Has(d.GetUsage()) {
					t.Errorf("%s --%s: no Japanese for %q (help_ja.go)", strings.Join(path, " "), f.Names()[0], d.GetUsage())
				}
			}
			walk(c.Subcommands, path)
		}
	}
	walk(app.Commands, nil)
	english, _, _ := runCLI(t, "plan", "--help", "--lang", "en")
	if !englishSentence.MatchString(english) {
		t.Fatal("the detector finds no English sentence in the English help: it could not fail")
	}
	paths = append(paths, nil) // the top level
	for _, p := range paths {
		stdout, stderr, code := runCLI(t, append(append([]string{"--lang", "ja"}, p...), "--help")...)
		if code != 0 || !strings.Contains(stdout, "使い方:") {
			t.Errorf("%v --help: exit %d %s%s", p, code, stdout, stderr)
		}
		if m := englishSentence.FindAllString(stdout, 3); len(m) > 0 {
			t.Errorf("accessrecon %s --help --lang ja: English %q", strings.Join(p, " "), m)
		}
	}
	t.Setenv("LANG", "ja_JP.UTF-8")
	if stdout, _, _ := runCLI(t, "plan", "--help"); !strings.Contains(stdout, "照合計画を書き出します") {
		t.Errorf("LANG=ja_JP.UTF-8: %s", stdout)
	}
	_, stderr, code := runCLI(t, "plan", "--bogus")
	if code != 1 || stderr != "accessrecon: 未定義のフラグです: -bogus（`accessrecon plan --help` を参照）\n" {
		t.Errorf("a mistake: exit %d %q", code, stderr)
	}
}
