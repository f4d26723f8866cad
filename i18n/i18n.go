// Package i18n gives every message a person reads in English and Japanese.
//
// A message is written in English, as a fmt format; its Japanese is looked
// up by that format in a catalogue that each package fills with Register
// (a ja.go file beside its code). Errors made with Errorf keep their format
// and arguments, so that the command line can print them in the reader's
// language long after they were made and wrapped (Text); in English they
// are exactly what fmt.Errorf makes.
//
// A plain fmt format and a map are all it takes: golang.org/x/text/message
// would format numbers by locale, and line numbers and ids must stay as
// they are; fmt's explicit argument indexes (%[2]s) reorder arguments
// where Japanese needs it.
package i18n

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// Languages.
const (
	EN = "en"
	JA = "ja"
)

var (
	mu sync.RWMutex
	// ja starts with the operating system's errors a user meets most.
	ja = map[string]string{
		"no such file or directory": "ファイルまたはフォルダーがありません",
		"file does not exist":       "ファイルがありません",
		"file already exists":       "ファイルが既にあります",
		"permission denied":         "アクセス権がありません",
		"is a directory":            "フォルダーです（ファイルが必要です）",
		"not a directory":           "フォルダーではありません",
		"no space left on device":   "ディスクの空きがありません",
		"read-only file system":     "読み取り専用のファイルシステムです",
		"connection refused":        "接続を拒否されました",
		"i/o timeout":               "タイムアウトしました",
		"context canceled":          "中止しました",
		"context deadline exceeded": "時間切れです",
		"unexpected EOF":            "ファイルが途中で終わっています",
	}
)

// Register adds Japanese texts, keyed by their English format. A format
// registered twice must have the same Japanese.
func Register(texts map[string]string) {
	mu.Lock()
	defer mu.Unlock()
	for en, j := range texts {
		if old, ok := ja[en]; ok && old != j {
			panic(fmt.Sprintf("i18n: %q registered twice with different Japanese", en))
		}
		ja[en] = j
	}
}

// Has reports whether format has a Japanese text.
func Has(format string) bool {
	mu.RLock()
	defer mu.RUnlock()
	_, ok := ja[format]
	return ok
}

// T is a text without arguments in lang (the English when no Japanese is
// registered).
func T(lang, en string) string {
	if lang != JA {
		return en
	}
	mu.RLock()
	defer mu.RUnlock()
	if j, ok := ja[en]; ok {
		return j
	}
	return en
}

// Sprintf formats format in lang: its Japanese when lang is ja and there is
// one. Arguments that are errors or Messages are given in lang too.
func Sprintf(lang, format string, args ...any) string {
	if lang != JA {
		return fmt.Sprintf(plain(format), args...)
	}
	f := T(lang, format)
	local := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case error:
			local[i] = Text(v, lang)
		case Localizer:
			local[i] = v.Localize(lang)
		default:
			local[i] = a
		}
	}
	return fmt.Sprintf(plain(f), local...)
}

// wrapVerb is %w, with an argument index or not.
var wrapVerb = regexp.MustCompile(`%(\[\d+\])?w`)

// plain is format with %w as %v: the verb fmt.Errorf alone knows.
func plain(format string) string {
	if !strings.Contains(format, "w") {
		return format
	}
	return wrapVerb.ReplaceAllString(format, "%${1}v")
}

// Localizer is a message that can be given in a language.
type Localizer interface {
	Localize(lang string) string
}

// Message is a text with arguments, not yet in a language: String gives
// the English.
type Message struct {
	Format string
	Args   []any
}

// M is a Message.
func M(format string, args ...any) Message { return Message{Format: format, Args: args} }

func (m Message) String() string              { return Sprintf(EN, m.Format, m.Args...) }
func (m Message) Localize(lang string) string { return Sprintf(lang, m.Format, m.Args...) }

// Error is an error that can be given in English and Japanese: what
// fmt.Errorf makes, and the format and arguments it was made from.
type Error struct {
	format string
	args   []any
	err    error
}

// Errorf is fmt.Errorf, with the Japanese of format found by Text.
func Errorf(format string, args ...any) error {
	return &Error{format: format, args: args, err: fmt.Errorf(format, args...)}
}

func (e *Error) Error() string { return e.err.Error() }

// Unwrap gives what %w wrapped, for errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	switch u := e.err.(type) {
	case interface{ Unwrap() error }:
		return []error{u.Unwrap()}
	case interface{ Unwrap() []error }:
		return u.Unwrap()
	}
	return nil
}

// Localize is the error in lang.
func (e *Error) Localize(lang string) string { return Sprintf(lang, e.format, e.args...) }

// Text is err in lang, however it was wrapped: an Error or Localizer is
// given in lang; an error that fmt.Errorf wrapped around one keeps its own
// prefix (a file name, most often) and gives the rest in lang; errors
// joined by errors.Join each take their line. What has no Japanese stays
// English.
func Text(err error, lang string) string {
	if err == nil {
		return ""
	}
	if lang != JA {
		return err.Error()
	}
	if l, ok := err.(Localizer); ok {
		return l.Localize(lang)
	}
	msg := err.Error()
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		errs := u.Unwrap()
		parts := make([]string, 0, len(errs))
		for _, e := range errs {
			if e != nil {
				parts = append(parts, e.Error())
			}
		}
		if strings.Join(parts, "\n") == msg { // errors.Join
			out := make([]string, 0, len(errs))
			for _, e := range errs {
				if e != nil {
					out = append(out, Text(e, lang))
				}
			}
			return strings.Join(out, "\n")
		}
		if len(errs) > 0 {
			if inner := errs[len(errs)-1]; inner != nil && strings.HasSuffix(msg, inner.Error()) {
				return msg[:len(msg)-len(inner.Error())] + Text(inner, lang)
			}
		}
	case interface{ Unwrap() error }:
		if inner := u.Unwrap(); inner != nil && strings.HasSuffix(msg, inner.Error()) {
			return msg[:len(msg)-len(inner.Error())] + Text(inner, lang)
		}
	}
	return T(lang, msg) // a sentinel error's text may be registered as it is
}

// Pairs calls fn with every English format and its Japanese, for tests.
func Pairs(fn func(en, ja string)) {
	mu.RLock()
	defer mu.RUnlock()
	for en, j := range ja {
		fn(en, j)
	}
}
