package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/accessrecon/accessrecon/reconcile/apply"
)

// Exit statuses (SPEC "Command line").
const (
	exitOK        = 0
	exitError     = 1
	exitChanges   = 2 // plan --detailed-exitcode: the plan has actions or findings
	exitForbidden = 3 // transfer check: the transfer breaks a rule
	exitFindings  = 4 // logs check: findings
	exitRefused   = 5 // apply: refused
)

// statusError ends a command with a status other than 0 or 1. Its message,
// if any, has been printed already.
type statusError struct{ code int }

func (e statusError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// exitCode maps run's error to the process status and prints real errors,
// one line per problem, to stderr.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var se statusError
	if errors.As(err, &se) {
		return se.code
	}
	var refusal *apply.Refusal
	if errors.As(err, &refusal) {
		fmt.Fprintf(stderr, "accessrecon: refused: %s\n", refusal.Reason)
		return exitRefused
	}
	for _, line := range strings.Split(strings.TrimSpace(err.Error()), "\n") {
		fmt.Fprintf(stderr, "accessrecon: %s\n", line)
	}
	return exitError
}
