package main

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"campaign %s is already in the review store %s: choose another --campaign": "棚卸し %s は確認ストア %s にすでにあります。別の --campaign を指定してください",
		"%s: %s decided %s in the browser; the worksheet's %s (%s) is not taken":   "%s: %s がブラウザーで %s と判定しています。確認表の %s（%s）は採用しません",
		"--due: %w": "--due: %w",
		"%s: %d people as of %s; try: accessrecon plan --config %s --as-of %s": "%s: %d 人（基準日 %s）を書き出しました。試すには: accessrecon plan --config %s --as-of %s",
		"%d passed, %d failed":                             "成功 %d 件、失敗 %d 件",
		"--evaluator: %w":                                  "--evaluator: %w",
		" (see `%s --help`)":                               "（`%s --help` を参照）",
		"%d Rego tests failed":                             "Rego のテストが %d 件失敗しました",
		"%d actions failed; run apply again to retry them": "%d 件の措置が失敗しました。apply をもう一度実行すると再試行します",
		"%s: access_logs names no log files":               "%s: access_logs にログファイルが指定されていません",
		"%s: campaign %s is closed; its report comes from the decisions it was closed with (%s): run certify report without --decisions": "%s: 棚卸し %s は締め切り済みです。報告書は締め切り時の判定（%s）から作ります。--decisions を付けずに certify report を実行してください",
		"--by: %w": "--by: %w",
		"--format %q: expected text, json or html":                                     "--format %q: text、json、html のいずれかを指定してください",
		"--format %q: expected text, json, markdown, csv or html":                      "--format %q: text、json、markdown、csv、html のいずれかを指定してください",
		"--lang %q: expected ja or en":                                                 "--lang %q: ja か en を指定してください",
		"--listen %s: %w":                                                              "--listen %s: %w",
		"--out %s: %w":                                                                 "--out %s: %w",
		"--out %s: the folder is not empty":                                            "--out %s: フォルダーが空ではありません",
		"--people: expected at least 1":                                                "--people: 1 以上を指定してください",
		"--signature %s: %w":                                                           "--signature %s: %w",
		"--signature %s: larger than 64 KiB, not an SSH signature":                     "--signature %s: 64 KiB を超えています。SSH 署名ではありません",
		"--token-file %s is empty":                                                     "--token-file %s が空です",
		"--token-file: %w":                                                             "--token-file: %w",
		"--unreviewed %q: expected revoke or keep":                                     "--unreviewed %q: revoke か keep を指定してください",
		"--year %q: expected a year such as 2027":                                      "--year %q: 2027 のような年を指定してください",
		"apply: expected one argument, the plan file":                                  "apply: 引数として計画ファイルを 1 つ指定してください",
		"approve: expected one argument, the plan file":                                "approve: 引数として計画ファイルを 1 つ指定してください",
		"audit verify: expected at most one argument, the audit log":                   "audit verify: 引数は監査ログ 1 つまでです",
		"audit verify: give the audit log, or --config naming one":                     "audit verify: 監査ログ、またはそれを指定した --config を与えてください",
		"certify close: give the returned worksheets with --decisions F":               "certify close: 返送された確認表を --decisions F で指定してください",
		"init: %s already exists; init writes only into a folder without a deployment": "init: %s は既にあります。init は設定一式のないフォルダーにだけ書き込みます",
		"init: %w": "init: %w",
		"init: expected at most one argument, the folder":      "init: 引数はフォルダー 1 つまでです",
		"policy.extra is only read from the local file system": "policy.extra はローカルのファイルシステムからのみ読み込みます",
		"refused": "拒否",
		"serve: no API token: set ACCESSRECON_API_TOKEN or give --token-file": "serve: API トークンがありません。ACCESSRECON_API_TOKEN を設定するか --token-file を指定してください",
		"serve: shutdown: %w":                        "serve: 停止処理: %w",
		"show: expected one argument, the plan file": "show: 引数として計画ファイルを 1 つ指定してください",
		"stopped on request: %d action(s) not started and left pending; run apply again to carry on":          "要求により停止しました。未着手の措置 %d 件は保留のままです。続けるには apply をもう一度実行してください",
		"the audit log %s does not record the making of %s (%s): only plans accessrecon made are carried out": "監査ログ %s に %s（%s）の作成記録がありません。accessrecon が作成した計画だけを実施します",
	})
}
