package calendar

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"%s: neither UTF-8 nor Shift_JIS: %v":                             "%s: UTF-8 でも Shift_JIS でもありません: %v",
		"%s:%d: column 1: expected a date as YYYY/M/D, got %q":            "%s:%d: 1 列目: YYYY/M/D の日付が必要です（値: %q）",
		"%s:%d: malformed CSV: %v":                                        "%s:%d: CSV の形式が不正です: %v",
		"calendar.company_holidays: %w":                                   "calendar.company_holidays: %w",
		"calendar.company_holidays: expected MM-DD or YYYY-MM-DD, got %q": "calendar.company_holidays: MM-DD か YYYY-MM-DD で指定してください（値: %q）",
		"a Saturday":              "土曜日",
		"a Sunday":                "日曜日",
		"a national holiday (%s)": "祝日（%s）",
		"a company holiday":       "会社の休日",
	})
}
