package notify

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"notify: iso-2022-jp: %w":  "notify: iso-2022-jp: %w",
		"notify: %s: %w":           "notify: %s: %w",
		"notify: %w":               "notify: %w",
		"notify: audit log %s: %w": "notify: 監査ログ %s: %w",
		"notify: from %q: %w":      "notify: 送信元 %q: %w",
		"notify: smtp %s: %w":      "notify: smtp %s: %w",
		"notify: smtp.ca_file %s: no PEM certificate in it": "notify: smtp.ca_file %s: PEM 形式の証明書がありません",
		"notify: smtp.ca_file: %w":                          "notify: smtp.ca_file: %w",
		"notify: to %q: %w":                                 "notify: 宛先 %q: %w",
	})
}
