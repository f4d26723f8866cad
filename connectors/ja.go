package connectors

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"source failed":      "取得元の読み込みに失敗しました",
		"to be done by hand": "手作業で実施します",
	})
}
