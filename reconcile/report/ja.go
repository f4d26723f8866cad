package report

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"--format %q: expected text, markdown, csv, html or json": "--format %q: text、markdown、csv、html、json のいずれかを指定してください",
	})
}
