package input

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"%w: encoding %q: expected utf-8 or shift_jis": "%w: 文字コード %q: utf-8 か shift_jis を指定してください",
		" (did you mean %q?)":                          "（もしかして %q？）",
		"field %s: %s":                                 "項目 %s: %s",
		"secret file %s: %w":                           "秘密情報のファイル %s: %w",
		"secret file %s is empty":                      "秘密情報のファイル %s が空です",
		"the environment variable %s is empty (set it, or give a file)": "環境変数 %s が空です（設定するか、ファイルを指定してください）",
	})
}
