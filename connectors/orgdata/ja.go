package orgdata

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"valid_until %s is before approved_on %s":                                         "valid_until %s が approved_on %s より前です",
		"expected SYSTEM/ENTITLEMENT, e.g. takuso/editor, got %q":                         "システム/権限 の形（例: takuso/editor）で指定してください（値: %q）",
		"the same right as right_a: a pair needs two rights":                              "right_a と同じ権限です。組み合わせには二つの権限が必要です",
		"an entitlement has no id":                                                        "ID のない権限があります",
		"expected a value":                                                                "値が必要です",
		"expected an RFC 3339 timestamp such as 2026-09-01T00:00:00+09:00, got %q":        "2026-09-01T00:00:00+09:00 のような RFC 3339 の日時を指定してください（値: %q）",
		"expected an RFC 3339 timestamp such as 2026-09-05T23:59:59+09:00, got %q":        "2026-09-05T23:59:59+09:00 のような RFC 3339 の日時を指定してください（値: %q）",
		"expected at least one system id":                                                 "システム ID を 1 つ以上指定してください",
		"the window ends (%s) before it starts (%s)":                                      "期間の終了（%s）が開始（%s）より前です",
		"unknown company %q: expected a company id of org.yaml":                           "不明な会社 %q です。org.yaml の会社 ID を指定してください",
		"unknown company %q: expected one of the companies above":                         "不明な会社 %q です。上に記載の会社を指定してください",
		"unknown system %q: expected a system id of systems.yaml":                         "不明なシステム %q です。systems.yaml のシステム ID を指定してください",
		"unknown unit %q: expected a unit id of org.yaml":                                 "不明な組織 %q です。org.yaml の組織 ID を指定してください",
		"%q mixes %s and %s letters (a lookalike of another id?): write it in one script": "%q は %s と %s の文字が混ざっています（別の ID に似せたもの？）。一つの文字体系で書いてください",
	})
}
