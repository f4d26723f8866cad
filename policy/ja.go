package policy

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"evaluator %q: want %q or %q": "評価方式 %q: %q か %q を指定してください",
	})
}
