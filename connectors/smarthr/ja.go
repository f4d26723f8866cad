package smarthr

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"webhook token: %w":         "Webhook のトークン: %w",
		"not a SmartHR webhook: %w": "SmartHR の Webhook ではありません: %w",
		"crew %s has no emp_code":   "従業員 %s に社員番号（emp_code）がありません",
		"expected the tenant's API, e.g. https://TENANT.smarthr.jp/api, got %q":                 "テナントの API（例: https://TENANT.smarthr.jp/api）を指定してください（値: %q）",
		"expected https (http only on this computer: the token would go in plain text), got %q": "https を指定してください（http はこのコンピューター内だけ。トークンが暗号化されずに送られます）（値: %q）",
		"expected code or name, got %q":          "code か name を指定してください（値: %q）",
		"expected 1 to 100, got %d":              "1 から 100 を指定してください（値: %d）",
		"expected a duration such as 5m, got %q": "5m のような時間を指定してください（値: %q）",
		"hr.source:%d: crew %s (%s) is in department %s, which is not among the departments read":                                    "hr.source:%d: 従業員 %s（%s）の部署 %s は、読み込んだ部署の一覧にありません",
		"hr.source:%d: crew %s (%s) is retired without resigned_at (退職年月日)":                                                          "hr.source:%d: 従業員 %s（%s）は退職済みですが退職年月日（resigned_at）がありません",
		"GET /v1/crews: SmartHR says %d crews (x-total-count) but page %d is empty after %d: nothing is planned from a partial list": "GET /v1/crews: SmartHR は %d 人（x-total-count）と言いながら、%[3]d 人の後の %[2]d ページ目が空です。一部だけの一覧からは何も計画しません",
		"GET %s: %w": "GET %s: %w",
		"GET %s: SmartHR asks to wait %s, more than max_rate_wait %s": "GET %s: SmartHR が %s の待機を求めています（max_rate_wait %s を超過）",
		"GET %s: %s %s":                  "GET %s: %s %s",
		"GET %s: not SmartHR's list: %w": "GET %s: SmartHR の一覧ではありません: %w",
		"GET %s: no x-total-count header: the list's end cannot be told": "GET %s: x-total-count ヘッダーがないため、一覧の終わりが分かりません",
	})
}
