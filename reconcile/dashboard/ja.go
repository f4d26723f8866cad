package dashboard

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"dashboard: the config keeps no audit log on disk":                          "ダッシュボード: 設定にディスク上の監査ログがありません",
		"dashboard: the audit log does not verify, so nothing is drawn from it: %w": "ダッシュボード: 監査ログの検証に失敗したため、何も描画しません: %w",
	})
}
