package export

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"a file source needs both accounts and grants paths": "file の取得元には accounts と grants の両方のパスが必要です",
	})
}
