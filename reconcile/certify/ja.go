package certify

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"--template %q: no such template (review.templates of the config, or monthly)":                                 "--template %q: そのようなひな形はありません（設定の review.templates か monthly）",
		"template %s: system %q is not in systems.yaml":                                                                "ひな形 %s: システム %q は systems.yaml にありません",
		"%s: a campaign already exists there; choose another --out":                                                    "%s: そこには既に棚卸しがあります。別の --out を指定してください",
		"%s: field format_version: expected %d, got %d":                                                                "%s: 項目 format_version: %d が必要です（値: %d）",
		"%s: not a campaign folder (no %s; create one with `certify open`)":                                            "%s: 棚卸しのフォルダーではありません（%s がありません。`certify open` で作成してください）",
		"%s: not a campaign manifest: %w":                                                                              "%s: 棚卸しの定義ファイルではありません: %w",
		"%s: the campaign is not closed (no %s); give the worksheets with --decisions":                                 "%s: 棚卸しは締め切られていません（%s がありません）。確認表を --decisions で指定してください",
		"campaign %s is not closed yet: give the worksheets to count with --decisions, or close it with certify close": "棚卸し %s はまだ締め切られていません。集計する確認表を --decisions で指定するか、certify close で締め切ってください",
		"preview": "試算",
		"%s works for %s, not %s: delegate within your company": "%s の所属会社は %s で、%s ではありません。同じ会社の人に委任してください",
	})
}
