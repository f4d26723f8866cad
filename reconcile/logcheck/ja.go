package logcheck

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"%w: usage rule %s: usage %d access %d out of range": "%w: 利用ルール %s: 利用 %d アクセス %d が範囲外です",
		"--date %s: %w: it is %s":                            "--date %s: %w: %sです",
		"not a business day":                                 "営業日ではありません",
	})
}
