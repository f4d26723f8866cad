package github

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"max_rate_wait: %w": "max_rate_wait: %w",
		"a GitHub App needs app_id, installation_id and private_key_file":             "GitHub App には app_id、installation_id、private_key_file が必要です",
		"a github source needs the organisation":                                      "github の取得元には組織（org）が必要です",
		"expected a duration such as 5m, got %q":                                      "5m のような時間を指定してください（値: %q）",
		"expected an ldap source listed before %s, got %q":                            "%s より前に記載した ldap の取得元が必要です（値: %q）",
		"expected both source and attribute":                                          "source と attribute の両方が必要です",
		"github: cannot revoke a right held through %s":                               "github: %s 経由の権限は取り消せません",
		"%w: remove %s from team %s, or take %s from the team (team_rights: by_hand)": "%[1]w: %[2]s をチーム %[3]s から外すか、チームから %[4]s の権限を外してください（team_rights: by_hand）",
		"github %s: %w": "github %s: %w",
		"%w: still rate limited after %d attempts":                                    "%w: %d 回試してもレート制限が続いています",
		"%w: the primary rate limit resets at %s, later than max_rate_wait %s allows": "%w: 主レート制限の解除は %s で、max_rate_wait %s で待てる時間を超えます",
		"github app: %w":                            "GitHub App: %w",
		"github remove member %s: %w":               "github メンバー %s の削除: %w",
		"github remove outside collaborator %s: %w": "github 外部コラボレーター %s の削除: %w",
		"github: %s is not this source's system %s": "github: %s はこの取得元のシステム %s ではありません",
		"github: %w":                             "github: %w",
		"github: base_url: %w":                   "github: base_url: %w",
		"github: cannot %s %s":                   "github: %s %s は実施できません",
		"github: missing required field \"org\"": "github: 必須の項目 \"org\" がありません",
		"github: no token: set the environment variable named by token_env (default GITHUB_TOKEN), give token_file, or configure a GitHub App": "github: トークンがありません。token_env で指定した環境変数（既定は GITHUB_TOKEN）を設定するか、token_file を指定するか、GitHub App を設定してください",
	})
}
