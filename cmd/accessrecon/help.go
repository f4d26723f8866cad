package main

import (
	"strings"

	"github.com/accessrecon/accessrecon/i18n"
	"github.com/urfave/cli/v2"
)

// localize gives the command line's help in lang: every purpose, argument
// and flag text, and the headings of the help pages. Flags shared between
// commands are copied, not changed.
func localize(app *cli.App, lang string) {
	if lang != i18n.JA {
		return
	}
	app.Usage = i18n.T(lang, app.Usage)
	app.CustomAppHelpTemplate = appHelpJA
	app.HideHelpCommand = true // its purpose is the library's English; --help stays
	for i, f := range app.Flags {
		app.Flags[i] = localizeFlag(f, lang)
	}
	localizeCommands(app.Commands, lang)
}

func localizeCommands(cmds []*cli.Command, lang string) {
	for _, c := range cmds {
		c.Usage = i18n.T(lang, c.Usage)
		c.ArgsUsage = i18n.T(lang, c.ArgsUsage)
		c.Description = strings.Replace(c.Description, examplesHeading, "例:", 1)
		c.CustomHelpTemplate = commandHelpJA
		if len(c.Subcommands) > 0 {
			c.CustomHelpTemplate = subcommandHelpJA
			c.HideHelpCommand = true
		}
		flags := make([]cli.Flag, len(c.Flags))
		for i, f := range c.Flags {
			flags[i] = localizeFlag(f, lang)
		}
		c.Flags = flags
		localizeCommands(c.Subcommands, lang)
	}
}

// localizeFlag is a copy of f with its usage in lang.
func localizeFlag(f cli.Flag, lang string) cli.Flag {
	switch f := f.(type) {
	case *cli.StringFlag:
		g := *f
		g.Usage = i18n.T(lang, f.Usage)
		return &g
	case *cli.BoolFlag:
		g := *f
		g.Usage = i18n.T(lang, f.Usage)
		g.DisableDefaultText = true // "(default: false)" says nothing
		return &g
	case *cli.IntFlag:
		g := *f
		g.Usage = i18n.T(lang, f.Usage)
		return &g
	case *cli.StringSliceFlag:
		g := *f
		g.Usage = i18n.T(lang, f.Usage)
		return &g
	case *cli.DurationFlag:
		g := *f
		g.Usage = i18n.T(lang, f.Usage)
		return &g
	case *cli.Uint64Flag:
		g := *f
		g.Usage = i18n.T(lang, f.Usage)
		return &g
	}
	return f
}

// The help pages of urfave/cli's templates, with Japanese headings.
const (
	appHelpJA = `名前:
   {{template "helpNameTemplate" .}}

使い方:
   {{.HelpName}} コマンド [オプション] [引数...]{{if .Version}}{{if not .HideVersion}}

バージョン:
   {{.Version}}{{end}}{{end}}{{if .VisibleCommands}}

コマンド:{{template "visibleCommandCategoryTemplate" .}}{{end}}{{if .VisibleFlags}}

全体のオプション:{{template "visibleFlagTemplate" .}}{{end}}

各コマンドの説明: accessrecon コマンド --help
`
	commandHelpJA = `名前:
   {{template "helpNameTemplate" .}}

使い方:
   {{.HelpName}}{{if .VisibleFlags}} [オプション]{{end}}{{if .ArgsUsage}} {{.ArgsUsage}}{{end}}{{if .Description}}

{{template "descriptionTemplate" .}}{{end}}{{if .VisibleFlags}}

オプション:{{template "visibleFlagTemplate" .}}{{end}}
`
	subcommandHelpJA = `名前:
   {{template "helpNameTemplate" .}}

使い方:
   {{.HelpName}} コマンド [オプション] [引数...]{{if .Description}}

{{template "descriptionTemplate" .}}{{end}}{{if .VisibleCommands}}

コマンド:{{template "visibleCommandCategoryTemplate" .}}{{end}}
`
)

func init() {
	// The library's own flags and flag lines, in both languages: set once,
	// before any command line is read.
	cli.HelpFlag = &cli.BoolFlag{Name: "help", Aliases: []string{"h"}, Usage: "show help / ヘルプを表示", DisableDefaultText: true}
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Aliases: []string{"v"}, Usage: "print the version / バージョンを表示", DisableDefaultText: true}
	english := cli.FlagStringer
	cli.FlagStringer = func(f cli.Flag) string {
		s := english(f)
		i := strings.LastIndex(s, " (default: ")
		if i < 0 || !hasJapanese(s[:i]) {
			return s
		}
		j := strings.LastIndex(s, ")")
		return s[:i] + "（既定: " + s[i+len(" (default: "):j] + "）" + s[j+1:]
	}
}

func hasJapanese(s string) bool {
	for _, r := range s {
		if r >= 0x3000 {
			return true
		}
	}
	return false
}

// usageError is a mistake in a command line, and where its help is.
type usageError struct {
	err  error
	help string // the command whose --help to read
}

func (e usageError) Error() string { return e.Localize(i18n.EN) }
func (e usageError) Unwrap() error { return e.err }

func (e usageError) Localize(lang string) string {
	return cliText(e.err.Error(), lang) + i18n.Sprintf(lang, " (see `%s --help`)", e.help)
}

// onUsageError reports a mistake in the command line as an error (printed
// once, in the reader's language, by exitCode) rather than the library's
// English and the whole help.
func onUsageError(c *cli.Context, err error, _ bool) error {
	name := "accessrecon"
	switch {
	case c.Command != nil && c.Command.HelpName != "":
		name = c.Command.HelpName // "accessrecon audit verify"
	case c.Command != nil && c.Command.FullName() != "":
		name += " " + c.Command.FullName()
	}
	return usageError{err: err, help: name}
}

// setUsageErrors makes every command report its usage errors with
// onUsageError.
func setUsageErrors(cmds []*cli.Command) {
	for _, c := range cmds {
		c.OnUsageError = onUsageError
		setUsageErrors(c.Subcommands)
	}
}
