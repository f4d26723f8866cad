package apply

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"reject: %s":              "差し戻し: %s",
		"reject: %w":              "差し戻し: %w",
		"reject: give the reason": "差し戻し: 理由を書いてください",
		"approve: the plan was rejected by %s: %s":                                   "承認: この計画は %s が差し戻しています: %s",
		"the plan was rejected by %s on %s: %s":                                      "この計画は %s が %s に差し戻しています: %s",
		"%q is not an action of %s":                                                  "%q は %s の措置ではありません",
		"%s is not waiting for a confirmation (state %q)":                            "%s は完了の確認待ちではありません（状態 %q）",
		"%w: %s wrote it":                                                            "%w: %s が作成しました",
		"another apply holds %s; wait for it to end (its journal keeps what it did)": "別の apply が %s を使用中です。終わるまで待ってください（その実施記録に実施内容が残ります）",
		"approve --by: %w":                                                           "approve --by: %w",
		"approve: %w":                                                                "approve: %w",
		"expected who carried out %s":                                                "%s を実施した人を記入してください",
		"journal: %w":                                                                "実施記録: %w",
		"lock %s: %w":                                                                "ロック %s: %w",
		"plan: action %s: effective: %w":                                             "計画: 措置 %s: 実施日: %w",
		"the approval by %s is not signed, and apply.allowed_signers requires signatures (approve --key KEYFILE)": "%s の承認に署名がありません。apply.allowed_signers が署名を求めています（approve --key KEYFILE）",
		"the approval by %s: %w":                 "%s の承認: %w",
		"the approval by %s: field at: %v":       "%s の承認: 項目 at: %v",
		"the author of a plan cannot approve it": "計画の作成者はその計画を承認できません",
		"the plan is not approved: %d of %d approvals by someone other than its author %q (accessrecon approve %s --by ID --key KEYFILE)":                       "計画は承認されていません: 作成者 %[3]q 以外の承認が %[1]d 件（必要 %[2]d 件）です（accessrecon approve %[4]s --by ID --key KEYFILE）",
		"the plan is stale: %s changed since it was planned (plan again, or apply --allow-drift to re-check each action)":                                       "計画が古くなっています: 計画後に %s が変わりました（計画し直すか、apply --allow-drift で措置ごとに確認し直してください）",
		"the plan removes %d rights or accounts, over the mass-revocation threshold of %d (apply --allow-mass-revocation --reason \"...\" if this is intended)": "この計画は権限またはアカウントを %d 件削除し、大量取消のしきい値 %d を超えます（意図したものなら apply --allow-mass-revocation --reason \"...\"）",
		"the plan was modified after it was approved (approved %s, now %s)":                                                                                     "計画は承認後に変更されました（承認時 %s、現在 %s）",
		"audit log: %w": "監査ログ: %w",
		"audit log: %w (action %s is %s in the journal)":                                          "監査ログ: %w（措置 %s は実施記録では %s です）",
		"%s is %s in the plan, not %q: a row confirms only the action it describes":               "%s は計画では %s で、%q ではありません。行はその行が示す措置だけを確認します",
		"%s is on %s in the plan, not %q: a row confirms only the action it describes":            "%s は計画では %s のもので、%q ではありません。行はその行が示す措置だけを確認します",
		"%s is about account %s in the plan, not %q: a row confirms only the action it describes": "%s は計画ではアカウント %s のもので、%q ではありません。行はその行が示す措置だけを確認します",
		"%s is about %s in the plan, not %q: a row confirms only the action it describes":         "%s は計画では権限 %s のもので、%q ではありません。行はその行が示す措置だけを確認します",
		"%s is outside the time the action could be done (from the plan's %s to today %s)":        "%s は措置を実施できた期間（計画作成日 %s から今日 %s まで）の外です",
		"the plan touches %s, confidential to another company than yours (%s)":                    "この計画は %s（あなたの会社 %s 以外の機密システム）に関わります",
		"%s: the approval by %s is not in the audit log (covered by its checkpoints): only approvals accessrecon recorded (accessrecon approve, the reviewer pages) or signed by a key of apply.allowed_signers count": "%s: %s の承認は監査ログ（チェックポイントで守られた範囲）にありません。accessrecon が記録した承認（accessrecon approve、確認画面）か、apply.allowed_signers の鍵で署名された承認だけが有効です",
		"%s: the approval by %s says %s, but accessrecon recorded it at %s: the file was changed":                                                                                                                      "%s: %s の承認の日時は %s となっていますが、accessrecon の記録では %s です。ファイルが書き換えられています",
	})
}
