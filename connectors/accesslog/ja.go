package accesslog

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"%s: gzip: %w": "%s: gzip: %w",
		"%s:1: missing column %q; the header must name %s": "%s:1: 列 %q がありません。見出しには %s が必要です",
		"access_logs %q: %w":           "access_logs %q: %w",
		"access_logs %q: no such file": "access_logs %q: ファイルがありません",
		"longer than %d bytes, the longest line read (set %s to raise it)": "読み込める最長の行 %d バイトを超えています（上限は %s で変えられます）",
	})
}
