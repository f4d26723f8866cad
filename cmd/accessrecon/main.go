// Command accessrecon reconciles identities and access rights against the
// separation and lifecycle rules of a utility group. See README.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"sync/atomic"
	"syscall"

	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile/report"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal asks the command to stop cleanly (apply finishes the
	// action under way), and it says so at once; a second one ends the
	// process at once.
	var ended atomic.Bool
	context.AfterFunc(ctx, func() {
		stop()
		if !ended.Load() {
			fmt.Fprintln(os.Stderr, i18n.Sprintf(argsLang(os.Args), "accessrecon: stop requested: ending after the step under way (a second Ctrl-C ends at once)"))
		}
	})
	stopProfile := startCPUProfile(os.Getenv("ACCESSRECON_CPUPROFILE"))
	err := run(ctx, os.Args, os.Stdout, os.Stderr)
	ended.Store(true)
	stopProfile()
	stop()
	os.Exit(exitCode(err, report.SafeWriter(os.Stderr), argsLang(os.Args)))
}

// startCPUProfile writes a CPU profile of the whole command to path (for
// `go tool pprof`), when path is set.
func startCPUProfile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "accessrecon: ACCESSRECON_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
