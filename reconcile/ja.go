package reconcile

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"expected host:port of a directory server, got %q":              "ディレクトリサーバーの ホスト:ポート を指定してください（値: %q）",
		"expected remove_from_team or by_hand, got %q":                  "remove_from_team か by_hand を指定してください（値: %q）",
		"evaluating the rules for %s failed, nothing is planned: %w":    "%s のルール評価に失敗したため、何も計画しません: %w",
		"%q matches both %s and %s ignoring case: give the id exactly":  "%q は大文字小文字を無視すると %s と %s の両方に一致します。ID を正確に指定してください",
		"%q: ids may not contain control or format characters (U+%04X)": "%q: ID に制御文字や書式文字（U+%04X）は使えません",
		"%s (%s): %w on %s":                            "%s（%s）: %[4]s に %[3]w",
		"%s: field digest: %w (digest %s, content %s)": "%s: 項目 digest: %w（記載 %s、内容 %s）",
		"%s: field policy.evaluator: %w":               "%s: 項目 policy.evaluator: %w",
		"%s: not a plan file: %w":                      "%s: 計画ファイルではありません: %w",
		"%s:%d:%d: not a plan file: %v":                "%s:%d:%d: 計画ファイルではありません: %v",
		"%w: --employee %q is not in the people file":  "%w: --employee %q は人事データにありません",
		"%w: --employee %s (%s) left on %s, before the transfer's date %s: there is no one to transfer": "%w: --employee %s（%s）は異動日 %[5]s より前の %[4]s に退職しています。異動する人がいません",
		"%w: --to %q is not a unit of org.yaml":                                                         "%w: --to %q は org.yaml の組織ではありません",
		"%w: transfer event %q is not in the transfers file":                                            "%w: 異動 %q は異動ファイルにありません",
		"--employee: %w":                             "--employee: %w",
		"expected an employee id, got nothing":       "社員番号が必要ですが、空です",
		"not an active person of the HR feed":        "人事データの在籍者ではありません",
		"not checked: it needs %s, which failed":     "未確認: 必要な %s が失敗しました",
		"not found":                                  "見つかりません",
		"plan: encode: %w":                           "計画: 書き出し: %w",
		"the plan was modified after it was written": "計画は書き出された後に変更されています",
		"no reviewer named: write the reviewer's employee id in column reviewer":          "確認者が記入されていません。reviewer（確認者）列に社員番号を記入してください",
		"--out %s is %s: accessrecon writes its output to a regular file; choose another": "--out %s は%sです。accessrecon は通常のファイルにだけ書き出します。別のファイルを指定してください",
		"--out %s is %s (%s): it would be replaced; choose another file":                  "--out %s は%s（%s）です。上書きされてしまうため、別のファイルを指定してください",
		"a folder":             "フォルダー",
		"a named pipe":         "名前付きパイプ",
		"a device":             "デバイス",
		"a socket":             "ソケット",
		"not a regular file":   "通常のファイル以外",
		"the config":           "設定ファイル",
		"an input of the plan": "計画の入力ファイル",
		"the audit log":        "監査ログ",
		"an audit checkpoint":  "監査ログのチェックポイント",
		"the review store":     "確認ストア",
		"the HR history":       "人事データの履歴",
		"an access log":        "アクセスログ",
		"serve: the API token has %d characters, fewer than %d: make one with `openssl rand -hex 32`": "serve: API トークンが %d 文字で、%d 文字より短いです。`openssl rand -hex 32` で作ってください",
		"the inputs contradict each other": "入力どうしが矛盾しています",
		"%w: transfer %s names from_unit %s, but the HR feed has %s in %s on %s: correct the event or the HR feed": "%w: 異動 %s の異動元は %s ですが、人事データでは %s は %[6]s に %[5]s に所属しています。異動データか人事データを直してください",
		"not covered by the audit log's checkpoints":                                                               "監査ログのチェックポイントで守られていません",
	})
}
