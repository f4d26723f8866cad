package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile/apply"
	"github.com/accessrecon/accessrecon/reconcile/report"
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
func exitCode(err error, stderr io.Writer, lang string) int {
	if err == nil {
		return exitOK
	}
	var se statusError
	if errors.As(err, &se) {
		return se.code
	}
	var refusal *apply.Refusal
	if errors.As(err, &refusal) {
		fmt.Fprintf(stderr, "accessrecon: %s: %s\n", i18n.T(lang, "refused"), refusal.Text(lang))
		return exitRefused
	}
	for _, line := range strings.Split(strings.TrimSpace(cliText(i18n.Text(err, lang), lang)), "\n") {
		fmt.Fprintf(stderr, "accessrecon: %s\n", line)
	}
	return exitError
}

// argsLang is the language of a command line's messages: its --lang, else
// the locale's (LANG, LC_ALL).
func argsLang(args []string) string {
	for i, a := range args {
		v, ok := strings.CutPrefix(strings.TrimLeft(a, "-"), "lang=")
		if !ok && strings.TrimLeft(a, "-") == "lang" && strings.HasPrefix(a, "-") && i+1 < len(args) {
			v, ok = args[i+1], true
		}
		if ok && (v == i18n.JA || v == i18n.EN) {
			return v
		}
	}
	return report.DefaultLang()
}

// cliErrors are the errors of the command-line library, by their start,
// and the Japanese each starts with.
var cliErrors = []struct{ en, ja string }{
	{"flag provided but not defined: ", "未定義のフラグです: "},
	{"flag needs an argument: ", "フラグに値がありません: "},
	{"invalid value ", "不正な値です: "},
	{"Required flag ", "必須のフラグが指定されていません: "},
	{"Required flags ", "必須のフラグが指定されていません: "},
	{"No help topic for ", "そのコマンドはありません: "},
}

// cliText gives the errors urfave/cli makes in lang.
func cliText(msg, lang string) string {
	if lang != i18n.JA {
		return msg
	}
	for _, e := range cliErrors {
		if rest, ok := strings.CutPrefix(msg, e.en); ok {
			return e.ja + rest
		}
	}
	return msg
}
