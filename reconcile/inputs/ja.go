package inputs

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"hr.source: the type %q is not known to this program": "hr.source: 種類 %q はこのプログラムでは扱えません",
		"%s: hr.source: %w": "%s: hr.source: %w",
		"hr.source: %w":     "hr.source: %w",
		"hr.history is only kept on the local file system": "hr.history はローカルのファイルシステムにだけ保存できます",
		"source %s failed, nothing is planned: %w":         "取得元 %s の読み込みに失敗したため、何も計画しません: %w",
		"the source type %q is not known to this program":  "取得元の種類 %q はこのプログラムでは扱えません",
		"source %s: %w": "取得元 %s: %w",
		"source %s: owners_from: %s is not an ldap source pulled before it": "取得元 %s: owners_from: %s はこれより前に読み込む ldap の取得元ではありません",
	})
}
