package audit

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"%s:%d: broken: it does not chain to line %d (a line before it was changed, removed or inserted)": "%s:%d: 破損: %d 行目とつながっていません（前の行が変更、削除または挿入されています）",
		"%s:%d: broken: not an audit event: %v":                                                           "%s:%d: 破損: 監査イベントではありません: %v",
		"%s:%d: broken: sequence %d where %d was expected (a line was removed or inserted)":               "%s:%d: 破損: 連番が %d ですが %d のはずです（行が削除または挿入されています）",
		"%s:%d: broken: the line was changed (its digest does not match its content)":                     "%s:%d: 破損: 行が書き換えられています（ダイジェストが内容と一致しません）",
		"audit log %s: %w":       "監査ログ %s: %w",
		"audit log %s: lock: %w": "監査ログ %s: ロック: %w",
		"audit log %s: the last line is not an audit event (run `accessrecon audit verify`): %w": "監査ログ %s: 最終行が監査イベントではありません（`accessrecon audit verify` を実行してください）: %w",
		"audit: %w": "監査: %w",
	})
}
