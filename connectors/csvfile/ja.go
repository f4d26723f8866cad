package csvfile

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"%q has the year last, which reads as month/day in one locale and day/month in another; write the day as 2026-12-10 or 2026/12/10 (Excel: a date format with the year first)": "%q は年が最後にあり、地域によって月/日とも日/月とも読めます。2026-12-10 か 2026/12/10 と書いてください（Excel では年が先の日付形式）",
		"%q is not a calendar day":                           "%q は存在しない日付です",
		"%q is not a day of the %s era":                      "%q は%sの期間内の日付ではありません",
		"%s, got %q":                                         "%s（値: %q）",
		"%s: no sheet %q in the workbook; its sheets are %s": "%s: ブックにシート %q がありません。シートは %s です",
		"%s: not a readable XLSX workbook: %v":               "%s: 読み込める XLSX ブックではありません: %v",
		"%s: sheet %s: %w":                                   "%s: シート %s: %w",
		"%s: the workbook is larger than %d MiB, the most an input workbook may be (set %s to raise it)":         "%s: ブックが入力の上限 %d MiB を超えています（上限は %s で変えられます）",
		"%s: the workbook unpacks to more than %d MiB, the most an input workbook may hold (set %s to raise it)": "%s: ブックを展開すると入力の上限 %d MiB を超えます（上限は %s で変えられます）",
		"%s:%d: column %d is not valid UTF-8; if the file is Shift_JIS (CP932), set encoding: shift_jis":         "%s:%d: %d 列目が正しい UTF-8 ではありません。Shift_JIS（CP932）のファイルなら encoding: shift_jis を設定してください",
		"%s:%d: column %s (%d): %w":          "%s:%d: %s 列（%d 列目）: %w",
		"%s:%d: column %s (%d), cell %s: %w": "%s:%d: %s 列（%d 列目、セル %s）: %w",
		"%s:%d: expected %d fields as in the header, got %d (a row cut short, a comma too many, or a quote not closed)": "%s:%d: 見出しと同じ %d 項目が必要ですが %d 項目です（行が途中で切れている、カンマが多い、または引用符が閉じていない）",
		"%s:%d:%d: malformed CSV: %v":                                                  "%s:%d:%d: CSV の形式が不正です: %v",
		"%s:1: column %q appears twice in the header":                                  "%s:1: 列 %q が見出しに 2 回出てきます",
		"%s:1: missing column %q; the header must name %s (found %s)":                  "%s:1: 列 %q がありません。見出しには %s が必要です（見出し: %s）",
		"%s:1: the file is empty; expected a header row with %s":                       "%s:1: ファイルが空です。%s を含む見出し行が必要です",
		"csvfile: reading stopped":                                                     "csvfile: 読み込みを中止しました",
		"expected a date such as 2026-04-01, 2026/4/1, 2026年4月1日 or R8.4.1 (令和8年4月1日)": "2026-04-01、2026/4/1、2026年4月1日、R8.4.1（令和8年4月1日）のような日付を指定してください",
		"expected a value, the cell is empty":                                          "値が必要ですが、セルが空です",
		"expected one of %s, got %q":                                                   "%s のいずれかを指定してください（値: %q）",
		"invalid input":                                                                "入力が不正です",
		"row %d: %w":                                                                   "%d 行目: %w",
		"… and %d more problems in the same file (the first %d are shown)":             "… 同じファイルにほか %d 件の問題があります（最初の %d 件を表示しています）",
		"%s: sheet %s, cell %s (column %s): a formula (=%s) with no saved value; open the file in Excel and save it, or paste the values only": "%s: シート %s のセル %s（%s 列）: 値が保存されていない数式（=%s）です。Excel で開いて保存するか、値だけを貼り付けてください",
		"%s: a line longer than %d bytes with no line end: not a CSV file (set %s to raise the limit)":                                         "%s: 改行のない %d バイトを超える行があります。CSV ファイルではありません（上限は %s で変えられます）",
		"%s:1: missing column %q; the header must name %s (found %s%s); map headers of your own with columns (hr.columns for the HR feed)":     "%s:1: 列 %q がありません。見出しには %s が必要です（見出し: %s%s）。独自の見出しは columns（人事データは hr.columns）で対応付けてください",
		" in sheet %s of %s; another sheet is read with hr.sheet":                                                                              "、シート %s。ブックのシートは %s で、別のシートは hr.sheet で指定します",
		" in sheet %s": "、シート %s",
	})
}
