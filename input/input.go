// Package input is what every reader of a person's input shares: the error
// that says an input is wrong (as opposed to an I/O failure), paths written
// in the config and resolved against its folder, credentials read from an
// environment variable or a file, and the names of text encodings. It
// imports nothing of the module but i18n, so the config and every connector
// can use it.
package input

import (
	"errors"
	"strings"

	"github.com/agnivade/levenshtein"

	"github.com/accessrecon/accessrecon/i18n"
)

// ErrInput marks every error caused by the content of an input, as opposed
// to an I/O failure.
var ErrInput = errors.New("invalid input")

// Errorf formats an error about input content, in English and Japanese; it
// wraps ErrInput without adding its text.
func Errorf(format string, args ...any) error {
	return inputError{i18n.M(format, args...)}
}

// inputError is a message about input content.
type inputError struct{ m i18n.Message }

func (e inputError) Error() string               { return e.m.String() }
func (e inputError) Localize(lang string) string { return e.m.Localize(lang) }
func (e inputError) Unwrap() error               { return ErrInput }

// Encodings of text inputs.
const (
	UTF8     = "utf-8"
	ShiftJIS = "shift_jis"
	// Auto is for files people return by hand (worksheets, work orders),
	// which Excel in Japan saves in CP932 unless told otherwise: UTF-8 when
	// the file starts with a BOM or its first 64 KiB are valid UTF-8, else
	// Shift_JIS (CP932).
	Auto = "auto"
)

// NormalizeEncoding maps the accepted spellings to UTF8, ShiftJIS or Auto.
func NormalizeEncoding(enc string) (string, error) {
	switch strings.ToLower(strings.ReplaceAll(enc, "-", "_")) {
	case "", "utf_8", "utf8":
		return UTF8, nil
	case "shift_jis", "sjis", "cp932", "windows_31j", "ms932":
		return ShiftJIS, nil
	case "auto":
		return Auto, nil
	}
	return "", i18n.Errorf("%w: encoding %q: expected utf-8 or shift_jis", ErrInput, enc)
}

// FieldError is an error about one field of a config entry (a source's,
// say): the config places it at the field's line. Field is the key as
// written, dotted for a nested one (owners_from.source).
type FieldError struct {
	Field string
	Msg   i18n.Message
}

// FieldErrorf is a FieldError; it wraps ErrInput.
func FieldErrorf(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: i18n.M(format, args...)}
}

func (e *FieldError) Error() string { return "field " + e.Field + ": " + e.Msg.String() }

// Localize is the error in lang.
func (e *FieldError) Localize(lang string) string {
	return i18n.M("field %s: %s", e.Field, e.Msg).Localize(lang)
}

func (e *FieldError) Unwrap() error { return ErrInput }

// Suggest is ` (did you mean "X"?)` for the candidate nearest to got when it
// is a near miss (a typo: at most a quarter of its letters, and 2 at least,
// differ), or "": a message for a %s of an error's format.
func Suggest(got string, candidates []string) i18n.Message {
	best, dist := "", -1
	for _, c := range candidates {
		d := levenshtein.ComputeDistance(strings.ToUpper(got), strings.ToUpper(c))
		if dist < 0 || d < dist || d == dist && c < best {
			best, dist = c, d
		}
	}
	if dist < 0 || dist > max(2, len(got)/4) {
		return i18n.M("")
	}
	return i18n.M(" (did you mean %q?)", best)
}
