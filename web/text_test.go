package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestEveryPageWordHasBothLanguages: every word a template asks for is in
// texts, in Japanese and in English, and the templates hold no sentence of
// their own outside it.
func TestEveryPageWordHasBothLanguages(t *testing.T) {
	use := regexp.MustCompile(`\bt \$?[.a-zA-Z]* "([a-z]+)"`)
	files, _ := fs.Glob(assets, "templates/*.html")
	if len(files) == 0 {
		t.Fatal("no templates")
	}
	used := 0
	for _, f := range files {
		data, _ := fs.ReadFile(assets, f)
		for _, m := range use.FindAllStringSubmatch(string(data), -1) {
			used++
			x, ok := texts[m[1]]
			if !ok || x[0] == "" || x[1] == "" {
				t.Errorf("%s: %q has no Japanese and English text", f, m[1])
			}
		}
		// Text between tags that is not a template action or a code.
		plain := regexp.MustCompile(`>([^<{]*[A-Za-z]{3,}[^<{]*)<`)
		for _, m := range plain.FindAllStringSubmatch(string(data), -1) {
			if s := strings.TrimSpace(m[1]); s != "" && s != "ID" {
				t.Errorf("%s: words outside texts: %q", f, s)
			}
		}
	}
	if used < 50 {
		t.Errorf("only %d words found in the templates: the pattern no longer matches them", used)
	}
	for key, x := range texts {
		if strings.TrimSpace(x[0]) == "" || strings.TrimSpace(x[1]) == "" {
			t.Errorf("%s lacks a language", key)
		}
	}
}
