package accounttable

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"expected on or off (true/false, 有効/無効), got %q":                    "on か off（true/false、有効/無効）を指定してください（値: %q）",
		"no account %q on system %q: expected an account listed in %s":      "システム %[2]q にアカウント %[1]q はありません。%[3]s に記載のアカウントを指定してください",
		"unknown system %q: expected one of the system ids of systems.yaml": "不明なシステム %q です。systems.yaml のシステム ID を指定してください",
	})
}
