package evidence

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"evidence: %s holds %d files, more than a pack may":               "evidence: %s には %d 個のファイルがあり、証跡パックの上限を超えています",
		"evidence: %s: %q is not a file inside the pack":                  "evidence: %s: %q は証跡パックの中のファイルではありません",
		"evidence: %s unpacks to more than %d GiB, more than a pack may":  "evidence: %s は展開すると %d GiB を超え、証跡パックの上限を超えています",
		"evidence: the config keeps no audit log on disk":                 "evidence: この設定にはディスク上の監査ログがありません",
		"evidence: the audit log does not verify, so no pack is made: %w": "evidence: 監査ログの検証に失敗したため、証跡パックを作りません: %w",
		"evidence: %s exists already; choose a new --out":                 "evidence: %s はすでにあります。新しい --out を指定してください",
		"evidence: audit_key: %w":                                         "evidence: audit_key: %w",
		"evidence: %s: %w":                                                "evidence: %s: %w",
		"evidence: %s:%d: not a line of sha256sum":                        "evidence: %s:%d: sha256sum の行ではありません",
		"%s: missing": "%s: ありません",
		"%s: its SHA-256 is not the manifest's: changed": "%s: SHA-256 がマニフェストと一致しません（変更されています）",
		"%s: not in the manifest: added":                 "%s: マニフェストにありません（追加されています）",
		"%s: %w":                                         "%s: %w",
	})
}
