package sqldb

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"expected one of %v, got %q": "%v のいずれかを指定してください（値: %q）",
		"a sql source needs dsn_env or dsn_file (the data source name is never written in the config)": "sql の取得元には dsn_env か dsn_file が必要です（接続文字列は設定ファイルに書きません）",
		"expected a duration such as 5m, got %q":                                                       "5m のような時間を指定してください（値: %q）",
		"expected the query whose rows are the accounts":                                               "アカウントを返す問い合わせ（query）が必要です",
		"expected the query whose rows are the grants":                                                 "権限付与を返す問い合わせ（query）が必要です",
		"expected one of %v":                                              "%v のいずれかを指定してください",
		"expected the statement that carries out %s":                      "%s を実施する文（statement）が必要です",
		"expected values among %v, got %q":                                "%v のいずれかの値を指定してください（値: %q）",
		"%q is not a column of the accounts query or of the grants query": "%q はアカウントの問い合わせにも権限付与の問い合わせにもない列です",
		"%s query: %w": "%s の問い合わせ: %w",
		"%s query: it returns both status and disabled; expected one of them": "%s の問い合わせ: status と disabled の両方を返しています。どちらか一方にしてください",
		"row %d: %w": "%d 行目: %w",
		"%s:%d: column %s (%d): expected true or false (1/0, yes/no), got %q":                  "%s:%d: 列 %s（%d）: true か false（1/0、yes/no）を指定してください（値: %q）",
		"a database file is read with driver sqlite; other databases need dsn_env or dsn_file": "データベースファイルは driver: sqlite で読みます。ほかのデータベースには dsn_env か dsn_file が必要です",
		"expected file or a data source name (dsn_env, dsn_file), not both":                    "file と接続文字列（dsn_env、dsn_file）のどちらか一方を指定してください",
		"a database file is read-only: changes need a data source name (dsn_env, dsn_file)":    "データベースファイルは読み取り専用です。changes には接続文字列（dsn_env、dsn_file）が必要です",
		"file %s: %w": "ファイル %s: %w",
		"the read took longer than timeout %s: %w": "読み込みが timeout の %s を超えました: %w",
		"changes.%s: %w": "changes.%s: %w",
		"changes.%s changed %d rows, expected exactly 1: nothing was changed (the row changed since it was read, or the statement matches more than this right)": "changes.%s が変更した行は %d 行で、ちょうど 1 行ではないため、何も変更していません（読み込み後に行が変わったか、文がこの権限より広い行に当たります）",
	})
}
