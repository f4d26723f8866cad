package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile/report"
	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

func versionString() string {
	v := version
	bi, ok := debug.ReadBuildInfo()
	if v == "" {
		v = "devel"
		if ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	if !ok {
		return v
	}
	vcs := map[string]string{}
	for _, s := range bi.Settings {
		vcs[s.Key] = s.Value
	}
	if rev := vcs["vcs.revision"]; rev != "" {
		v += " (commit " + rev[:min(12, len(rev))]
		if t := vcs["vcs.time"]; t != "" {
			v += ", " + t
		}
		if vcs["vcs.modified"] == "true" {
			v += ", with uncommitted changes"
		}
		v += ")"
	}
	return v + ", " + bi.GoVersion
}

// run is the whole program: main only maps its error to an exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	app := newApp(stdout, stderr)
	localize(app, argsLang(args))
	return app.RunContext(ctx, interspersed(app, args))
}

// newApp is the command line: every command, its flags and examples.
func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:           "accessrecon",
		Usage:          "reconcile identities and access rights with the group's separation rules",
		Version:        versionString(),
		Writer:         report.SafeWriter(stdout), // names with escape sequences cannot drive the terminal
		ErrWriter:      stderr,
		ExitErrHandler: func(*cli.Context, error) {}, // exit statuses are set in one place: exitCode
		// --lang before the command: the help and errors of the whole
		// command line in that language.
		Flags: []cli.Flag{langFlag},
		Commands: []*cli.Command{
			initCommand(),
			validateCommand(),
			planCommand(),
			transferCommand(),
			resetCommand(),
			certifyCommand(),
			logsCommand(),
			approveCommand(),
			applyCommand(),
			auditCommand(),
			evidenceCommand(),
			dashboardCommand(),
			serveCommand(),
			storeCommand(),
			notifyCommand(),
			fixturesCommand(),
			showCommand(),
			demoCommand(),
			policyCommand(),
			{
				Name:  "version",
				Usage: "print the version",
				Action: func(c *cli.Context) error {
					_, err := fmt.Fprintf(stdout, "accessrecon %s\n", versionString())
					return err
				},
			},
		},
	}
	addExamples(app.Commands, "")
	app.OnUsageError = onUsageError
	setUsageErrors(app.Commands)
	return app
}

// Flags shared by the commands.
var (
	configFlag = &cli.StringFlag{Name: "config", Value: "accessrecon.yaml", Usage: "the config file `FILE`"}
	asOfFlag   = &cli.StringFlag{Name: "as-of", Usage: "evaluate as of the day `D` (YYYY-MM-DD, Asia/Tokyo; default today)"}
	outFlag    = &cli.StringFlag{Name: "out", Usage: "write the plan JSON to `F`"}
	formatFlag = &cli.StringFlag{Name: "format", Value: "text", Usage: "what to print on stdout: text, json, markdown, csv or html"}
	detailFlag = &cli.BoolFlag{Name: "detailed-exitcode", Usage: "exit 2 when the plan has actions or findings"}
	langFlag   = &cli.StringFlag{Name: "lang", Usage: "language of human output: ja or en (default from LANG)"}
	verbose    = &cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "log what happens to stderr"}
)

// logger logs to stderr: warnings only, or everything with --verbose.
func logger(c *cli.Context) *slog.Logger {
	level := slog.LevelWarn
	if c.Bool("verbose") {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(c.App.ErrWriter, &slog.HandlerOptions{Level: level}))
}

func lang(c *cli.Context) (string, error) {
	switch l := c.String("lang"); l {
	case "":
		return report.DefaultLang(), nil
	case report.LangJA, report.LangEN:
		return l, nil
	default:
		return "", i18n.Errorf("--lang %q: expected ja or en", l)
	}
}

// asOf reads --as-of, defaulting to today in Asia/Tokyo.
func asOf(c *cli.Context, name string, def graph.Date) (graph.Date, error) {
	v := c.String(name)
	if v == "" {
		if def != 0 {
			return def, nil
		}
		return graph.DateOf(time.Now()), nil
	}
	d, err := graph.ParseDate(v)
	if err != nil {
		return 0, i18n.Errorf("--%s: %w", name, err)
	}
	return d, nil
}

// progress draws a progress bar of what on stderr when it is a terminal,
// and nothing otherwise (a pipe, a file, a test).
func progress(stderr io.Writer, what string) func(done, total int) {
	f, ok := stderr.(*os.File)
	if !ok {
		return nil
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	var once sync.Once
	var bar *progressbar.ProgressBar
	return func(done, total int) {
		once.Do(func() {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription(what),
				progressbar.OptionShowCount(), progressbar.OptionSetElapsedTime(true), progressbar.OptionClearOnFinish(),
				progressbar.OptionThrottle(100*time.Millisecond))
		})
		bar.Set(done)
		if done >= total {
			bar.Finish()
		}
	}
}
