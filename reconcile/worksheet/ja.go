package worksheet

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"%s: this CSV holds the instructions sheet, not the decisions: save the worksheet's own sheet as CSV, or return the xlsx": "%s: この CSV は判定ではなく説明シートです。確認表のシートを選んで CSV で保存するか、xlsx のまま返送してください",
		"%s: item %s is decided %q here and %q at %s":                                                     "%[1]s: 項目 %[2]s はここでは %[3]q、%[5]s では %[4]q と判定されています",
		"%s: not a readable XLSX workbook: %w":                                                            "%s: 読み込める XLSX ブックではありません: %w",
		"%s: sheet %s cell %s: column %s: %s":                                                             "%s: シート %s セル %s: %s 列: %s",
		"%s: sheet %s has more than %d rows, the most a returned worksheet may hold (set %s to raise it)": "%s: シート %s が返送確認表の上限 %d 行を超えています（上限は %s で変えられます）",
		"%s: sheet %s row %d: %w":                                                                         "%s: シート %s %d 行目: %w",
		"%s: sheet %s row 1: missing column %q":                                                           "%s: シート %s 1 行目: 列 %q がありません",
		"%s: unpacks to more than %d MiB, the most a returned workbook may hold (set %s to raise it)":     "%s: 展開すると返送ブックの上限 %d MiB を超えます（上限は %s で変えられます）",
		"expected an item id SYSTEM/ACCOUNT/ENTITLEMENT, the cell is empty":                               "項目 ID（システム/アカウント/権限）が必要ですが、セルが空です",
		"expected keep (維持, 継続) or revoke (取消, 削除), got %q":                                               "keep（維持、継続）か revoke（取消、削除）を記入してください（値: %q）",
		"worksheet: %w": "確認表: %w",
	})
}
