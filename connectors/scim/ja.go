package scim

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"expected auto or index, got %q":                                                                  "auto か index を指定してください（値: %q）",
		"expected the token endpoint's https URL, got %q":                                                 "トークンエンドポイントの https の URL を指定してください（値: %q）",
		"expected the client id registered at the provider":                                               "提供元に登録したクライアント ID を指定してください",
		"expected either oauth or token_env/token_file, not both":                                         "oauth と token_env/token_file のどちらか一方を指定してください",
		"oauth token endpoint: %s %s":                                                                     "OAuth トークンエンドポイント: %s %s",
		"oauth token endpoint: %w":                                                                        "OAuth トークンエンドポイント: %w",
		"GET /%s: the list changed while it was read, three times: nothing is planned from it":            "GET /%s: 読み込み中に一覧が 3 回変わりました。この一覧からは何も計画しません",
		"GET /%s: the service gave the cursor %q twice: nothing is planned from a list that does not end": "GET /%s: サービスが同じカーソル %q を 2 回返しました。終わらない一覧からは何も計画しません",
		"webhook secret: %w":                                                                              "Webhook の秘密情報: %w",
		"expected {\"delivery_id\", \"user_id\"}":                                                         "{\"delivery_id\", \"user_id\"} の形で送ってください",
		"GET %s: not a SCIM user: %w":                                                                     "GET %s: SCIM の利用者ではありません: %w",
		"expected employeeNumber, externalId or userName, got %q":                                         "employeeNumber、externalId、userName のいずれかを指定してください（値: %q）",
		"expected department, division or organization, got %q":                                           "department、division、organization のいずれかを指定してください（値: %q）",
		"expected the SCIM endpoint's URL, e.g. https://example.com/scim/v2, got %q":                      "SCIM エンドポイントの URL（例: https://example.com/scim/v2）を指定してください（値: %q）",
		"expected https (http only on this computer: the bearer token would go in plain text), got %q":    "https を指定してください（http はこのコンピューター内だけ。トークンが暗号化されずに送られます）（値: %q）",
		"expected employeeNumber or externalId, got %q":                                                   "employeeNumber か externalId を指定してください（値: %q）",
		"expected a number of users a page, got %d":                                                       "1 ページの件数を指定してください（値: %d）",
		"expected a duration such as 5m, got %q":                                                          "5m のような時間を指定してください（値: %q）",
		"%s %s: %w":                                                                                       "%s %s: %w",
		"%s %s: the answer is larger than %d MiB":                                                         "%s %s: 応答が %d MiB を超えています",
		"%s %s: the service asks to wait %s, more than max_rate_wait %s":                                  "%s %s: サービスが %s の待機を求めています（max_rate_wait %s を超過）",
		"%s %s: %s %s":                         "%s %s: %s %s",
		"GET %s: not a SCIM list response: %w": "GET %s: SCIM の一覧応答ではありません: %w",
		"GET /%s: the service says %d resources but gave %d: nothing is planned from a partial list": "GET /%s: サービスは %d 件と言いながら %d 件しか返しませんでした。一部だけの一覧からは何も計画しません",
		"user %q has no userName":                       "ユーザー %q に userName がありません",
		"user %s: %w":                                   "ユーザー %s: %w",
		"group %s, member %s: %w":                       "グループ %s、メンバー %s: %w",
		"GET %s: %d resources have %s %q; expected one": "GET %s: %[3]s が %[4]q のリソースが %[2]d 件あります。1 件のはずです",
		"user %s changed while it was being deactivated, twice: nothing done": "ユーザー %s が無効化の間に 2 回変更されたため、何もしていません",
		"group %s changed while %s was being removed, twice: nothing done":    "グループ %s が %s の削除の間に 2 回変更されたため、何もしていません",
	})
}
