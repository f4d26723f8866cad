package web

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"the identity provider refused the sign-in: %s":           "ID プロバイダーがサインインを拒否しました: %s",
		"the ID token is not valid: %w":                           "ID トークンが有効ではありません: %w",
		"too many sign-ins under way: try again in a few minutes": "サインイン中の要求が多すぎます。数分後にやり直してください",
		"signed out": "サインアウトしています",
		"the sign-in was not started in this browser, or took too long: sign in again": "このブラウザーで始めたサインインではないか、時間がかかりすぎました。もう一度サインインしてください",
		"no plan %q waits here": "計画 %q はここにありません",
		"choose between 1 and 1,000 items, or decide over a filter":      "1 件から 1,000 件の項目を選ぶか、絞り込みで一括判定してください",
		"you are not an active person of the HR feed":                    "人事データで在籍中の人ではありません",
		"review.web.oidc.client_secret_env: %s is empty or not set":      "review.web.oidc.client_secret_env: 環境変数 %s が空か未設定です",
		"the ID token is not for this sign-in (nonce)":                   "ID トークンはこのサインインのものではありません（nonce）",
		"review.web: give public_url, oidc.issuer and oidc.client_id":    "review.web: public_url、oidc.issuer、oidc.client_id を指定してください",
		"the code exchange failed: %w":                                   "認可コードの交換に失敗しました: %w",
		"review.web.oidc.issuer %s: discovery failed: %w":                "review.web.oidc.issuer %s: ディスカバリーに失敗しました: %w",
		"the provider gave no ID token":                                  "ID プロバイダーが ID トークンを返しませんでした",
		"sign in first":                                                  "先にサインインしてください",
		"the ID token has no employee id claim":                          "ID トークンに社員番号のクレームがありません",
		"review.web.public_url %q: expected an http(s) address":          "review.web.public_url %q: http(s) のアドレスを指定してください",
		"only the campaign owners (review.web.owners) see the progress":  "進捗は棚卸しの管理者（review.web.owners）だけが見られます",
		"only the campaign owners (review.web.owners) see the dashboard": "ダッシュボードは棚卸しの管理者（review.web.owners）だけが見られます",
		"to is before from":                                              "to が from より前です",
		"review.web.oidc.client_secret_file: %w":                         "review.web.oidc.client_secret_file: %w",
	})
}
