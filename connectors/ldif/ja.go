package ldif

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"%s:%d: a continuation line with nothing to continue":                     "%s:%d: 続ける行のない継続行です",
		"%s:%d: change records are not supported; export the directory's entries": "%s:%d: 変更レコードには対応していません。ディレクトリーのエントリーを出力してください",
		"%s:%d: expected a record to start with dn:, got %q":                      "%s:%d: レコードは dn: で始まる必要があります（値: %q）",
		"attribute %s: URL values are not supported":                              "属性 %s: URL の値には対応していません",
		"attribute %s: bad base64: %v":                                            "属性 %s: base64 が不正です: %v",
		"expected attribute: value, got %q":                                       "「属性: 値」の形が必要です（値: %q）",
	})
}
