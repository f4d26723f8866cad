package i18n

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
)

func init() {
	Register(map[string]string{
		"%s:%d: column %s: %w":         "%s:%d: %s 列: %w",
		"unknown unit %q%s":            "不明な組織 %q です%s",
		" (did you mean %q?)":          "（もしかして %q？）",
		"not found":                    "見つかりません",
		"%w: %s moved from %s to %s":   "%[1]w: %[2]s は %[4]s へ（%[3]s から）",
		"the transfer failed":          "異動に失敗しました",
		"nothing to test this against": "テスト用",
	})
}

var errNotFound = errors.New("not found")

// TestErrorsInBothLanguages: an error is fmt.Errorf's in English, keeps
// what it wraps for errors.Is, and is given in Japanese through any
// wrapping: its own Japanese, a sentinel's, a Message argument's, a plain
// fmt.Errorf prefix kept, errors.Join's lines each given.
func TestErrorsInBothLanguages(t *testing.T) {
	inner := Errorf("unknown unit %q%s", "NW-OSP", M(" (did you mean %q?)", "NW-OPS"))
	err := Errorf("%s:%d: column %s: %w", "people.csv", 3, "unit", inner)
	if got, want := err.Error(), `people.csv:3: column unit: unknown unit "NW-OSP" (did you mean "NW-OPS"?)`; got != want {
		t.Errorf("English: %s\nwant     %s", got, want)
	}
	if got, want := Text(err, JA), `people.csv:3: unit 列: 不明な組織 "NW-OSP" です（もしかして "NW-OPS"？）`; got != want {
		t.Errorf("Japanese: %s\nwant      %s", got, want)
	}
	if !errors.Is(err, inner) {
		t.Error("errors.Is lost the wrapped error")
	}
	wrapped := fmt.Errorf("load: %w", Errorf("%w: %s moved from %s to %s", errNotFound, "E1", "A", "B"))
	if got, want := Text(wrapped, JA), "load: 見つかりません: E1 は B へ（A から）"; got != want {
		t.Errorf("wrapped by fmt.Errorf: %s, want %s", got, want)
	}
	if !errors.Is(wrapped, errNotFound) {
		t.Error("errors.Is through an indexed %w")
	}
	joined := errors.Join(errors.New("the transfer failed"), fs.ErrNotExist)
	if got, want := Text(joined, JA), "異動に失敗しました\nファイルがありません"; got != want {
		t.Errorf("joined: %q, want %q", got, want)
	}
	if got := Text(err, EN); got != err.Error() {
		t.Errorf("English through Text: %s", got)
	}
	if T(JA, "nothing registered") != "nothing registered" || T(JA, "nothing to test this against") != "テスト用" {
		t.Error("T")
	}
}

func TestRegisteringTwoJapaneseForOneFormatPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	Register(map[string]string{"not found": "ない"})
}
