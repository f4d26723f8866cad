package audit

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"%s: no checkpoint (audit_checkpoint): the log cannot be told from a cut or rewritten one": "%s: チェックポイント（audit_checkpoint）がありません: 切り詰められたり書き換えられたりしたログと区別できません",
		"audit log: checkpoint: %w": "監査ログ: チェックポイント: %w",
		"audit log: lock: %w":       "監査ログ: ロック: %w",
		"audit log: store: %w":      "監査ログ: ストア: %w",
		"the audit log in PostgreSQL has %d lines already: it is copied only into an empty one": "PostgreSQL の監査ログにはすでに %d 行あります。コピーできるのは空のログにだけです",
		"%s: %d lines, chain intact":                   "%s: %d 行、連鎖は正常です",
		"; matches the checkpoint %s of %s (%d lines)": "。チェックポイント %s（%s、%d 行）と一致します",
		", signed": "（署名あり）",
		"%s: %d lines are missing: the checkpoint %s (%s) records %d lines, the log has %d":                    "%[1]s: %[2]d 行が欠けています: チェックポイント %[3]s（%[4]s）は %[5]d 行を記録していますが、ログは %[6]d 行です",
		"%s: no checkpoint (%s): the log cannot be told from a cut or rewritten one":                           "%s: チェックポイント（%s）がありません: 切り詰められたり書き換えられたりしたログと区別できません",
		"%s:%d: does not match the checkpoint %s (%s): a line up to %d was rewritten and the chain recomputed": "%s:%d: チェックポイント %s（%s）と一致しません: %d 行目までのどこかが書き換えられ、連鎖が計算し直されています",
		"audit checkpoint: %w": "監査チェックポイント: %w",
		"audit_key: %w":        "audit_key: %w",
		"checkpoint %s: %w":    "チェックポイント %s: %w",
		"field at: %v":         "項目 at: %v",
		"it is signed, but the config names no apply.allowed_signers and audit_signer to check it with":                                                                                                                                           "署名されていますが、設定に検証用の apply.allowed_signers と audit_signer がありません",
		"audit log %s: it has %d lines where its checkpoint %s records %d: something other than accessrecon wrote it (run accessrecon audit verify); nothing is added to it":                                                                      "監査ログ %s: %d 行ありますが、チェックポイント %s の記録は %d 行です。accessrecon 以外が書き込んでいます（accessrecon audit verify を実行してください）。記録を追加しません",
		"; lines %d to %d are covered by no checkpoint: accessrecon stopped between a line and its checkpoint, or something else wrote them; accessrecon writes no more to the log until they are looked at and accepted (audit accept --reason)": "。%d 行目から %d 行目はどのチェックポイントにも守られていません。accessrecon が記録とチェックポイントの間で止まったか、別のものが書き込みました。確認して受け入れる（audit accept --reason）まで、accessrecon はこのログに書き込みません",
		"audit accept: the config has no audit log on disk":                                               "audit accept: 設定にディスク上の監査ログがありません",
		"audit accept: give the reason with --reason":                                                     "audit accept: --reason で理由を指定してください",
		"audit accept: every line of %s is covered by its checkpoint: nothing to accept":                  "audit accept: %s のすべての行はチェックポイントで守られています。受け入れるものはありません",
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
