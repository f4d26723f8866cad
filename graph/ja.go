package graph

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"%w: %q on system %q":                       "%[1]w: システム %[3]q の %[2]q",
		"%w: %s %q appears twice":                   "%w: %s %q が 2 回出てきます",
		"%w: no such account":                       "%w: そのアカウントはありません",
		"%w: system %q has no entitlement %q":       "%w: システム %q に権限 %q はありません",
		"%w: unit %q belongs to company %q, not %q": "%w: 組織 %q は会社 %q に属しており、%q ではありません",
		"%w: unknown %s %q":                         "%w: 不明な %s %q",
		"duplicate":                                 "重複",
		"expected a date as YYYY-MM-DD, got %q":     "YYYY-MM-DD の日付が必要です（値: %q）",
		"graph: insert into %s: %w":                 "graph: %s への追加: %w",
		"unknown reference":                         "参照先がありません",
	})
}
