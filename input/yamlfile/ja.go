package yamlfile

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"%s:%s: unknown key %q":       "%s:%s: 不明なキー %q です",
		"%s:%s: cannot read %s as %s": "%s:%s: %s を%sとして読めません",
		"%s: YAML: %s":                "%s: YAML の書式: %s",
		"%s:%s: YAML: %s":             "%s:%s: YAML の書式: %s",
		"a list":                      "リスト",
		"a mapping of keys":           "キーと値の組",
		"a number":                    "数値",
		"true or false":               "true か false",
		"a text":                      "文字列",
		"%s:%d: field %s: %s":         "%s:%d: 項目 %s: %s",
		"%s:%d: field %s: %w":         "%s:%d: 項目 %s: %w",
		"%s: field %s: %s":            "%s: 項目 %s: %s",
	})
}
