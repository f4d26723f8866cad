package notify

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"notify: store: %w": "通知: ストア: %w",
		"%w: the mail server offers no STARTTLS, which notify.smtp.starttls requires by default; set it to opportunistic only for a server on this machine or a network you trust (the mail would go in plain text)": "%w: メールサーバーが STARTTLS に対応していません。notify.smtp.starttls は既定で STARTTLS を必須にしています。このコンピューターや信頼できるネットワーク内のサーバーに限り opportunistic にしてください（メールは暗号化されずに送られます）",
		"notify: the review store: %w":                                        "通知: 確認ストア: %w",
		"it concerns %s, confidential to %s: not for company %s":              "%[2]s の機密システム %[1]s に関わるため、会社 %[3]s には送れません",
		"no mail address in the HR feed":                                      "人事データにメールアドレスがありません",
		"%s is not an address of company %s (mail_domains)":                   "%s は会社 %s のアドレスではありません（mail_domains）",
		"the plan cannot be read to check which companies may know of it: %v": "どの会社に知らせてよいか確かめるための計画を読めません: %v",
		"the deployment's template: %v":                                       "設定のテンプレート: %v",
		"the first line must be \"Subject: ...\"":                             "1 行目は「Subject: ...」である必要があります",
		"notify: iso-2022-jp: %w":                                             "notify: iso-2022-jp: %w",
		"notify: %s: %w":                                                      "notify: %s: %w",
		"notify: %w":                                                          "notify: %w",
		"notify: audit log %s: %w":                                            "notify: 監査ログ %s: %w",
		"notify: from %q: %w":                                                 "notify: 送信元 %q: %w",
		"notify: smtp %s: %w":                                                 "notify: smtp %s: %w",
		"notify: smtp.ca_file %s: no PEM certificate in it":                   "notify: smtp.ca_file %s: PEM 形式の証明書がありません",
		"notify: smtp.ca_file: %w":                                            "notify: smtp.ca_file: %w",
		"notify: to %q: %w":                                                   "notify: 宛先 %q: %w",
		"campaign %s was closed since: its worksheets are no longer due":      "棚卸し %s はその後締め切られたため、確認表の返送はもう不要です",
	})
}
