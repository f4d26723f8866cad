package hrfeed

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"end_date %s is before start_date %s":              "end_date %s が start_date %s より前です",
		"expected a date as YYYY-MM-DD, the cell is empty": "YYYY-MM-DD の日付が必要ですが、セルが空です",
		"expected employee (正社員, 契約社員, 嘱託, パート, ...) or contractor (業務委託, 派遣, ...), got %q": "employee（正社員、契約社員、嘱託、パートなど）か contractor（業務委託、派遣など）を指定してください（値: %q）",
		"hr.history %s: %w": "hr.history %s: %w",
		"hr.history %s: not a history this version of accessrecon wrote (%v); move it away to start a new history from the next snapshot": "hr.history %s: この版の accessrecon が書いた履歴ではありません（%v）。別の場所へ移すと次のスナップショットから新しい履歴を始めます",
		"hr.history: leaver %s: %w":                                      "hr.history: 退職者 %s: %w",
		"hr.history: transfer %s of %s from %s to %s: %w":                "hr.history: %[2]s の異動 %[1]s（%[3]s から %[4]s へ）: %[5]w",
		"missing column name (氏名), or family_name and given_name (姓, 名)": "列 name（氏名）、または family_name と given_name（姓、名）がありません",
		"the employee_ids of people.csv":                                 "people.csv の社員番号",
		"the unit %s before the transfers hr.history derived: %w":        "hr.history が導いた異動の前の所属 %s: %w",
		"the unit ids of org.yaml":                                       "org.yaml の組織 ID",
		"unit %q belongs to company %q, not %q":                          "組織 %q は会社 %q に属しており、%q ではありません",
		"unknown %s %q: expected one of %s%s":                            "不明な %s %q です。%s を指定してください%s",
		"unknown unit %q: expected one of the unit ids of org.yaml%s":    "不明な組織 %q です。org.yaml の組織 ID を指定してください%s",
		"version %d, expected 1":                                         "バージョン %d（1 が必要）",
		"%q and %q (line %d) are one person to accessrecon (ids are compared ignoring case and full-width forms): give each person one id": "%q と %q（%d 行目）は accessrecon では同じ人です（社員番号は大文字・小文字、全角・半角を区別せずに比べます）。一人に一つの社員番号を付けてください",
	})
}
