package config

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"%s: field hr.source: expected hr.people or hr.source, not both": "%s: 項目 hr.source: hr.people と hr.source のどちらか一方を指定してください",
		"%s:%d: source %s: %w": "%s:%d: 取得元 %s: %w",
		"%s: field review.templates.%s.stages: expected at least one stage":                                     "%s: 項目 review.templates.%s.stages: 段階を 1 つ以上指定してください",
		"%s: field review.templates.%s.stages[%d].reviewers: expected owner_unit, manager or unit:CODE, got %q": "%s: 項目 review.templates.%s.stages[%d].reviewers: owner_unit、manager、unit:部署コード のいずれかを指定してください（値: %q）",
		"%s: field review.templates.%s.stages[%d].days: expected a number of business days ≥ 0":                 "%s: 項目 review.templates.%s.stages[%d].days: 0 以上の営業日数を指定してください",
		"%s: field review.templates.%s.escalation: expected unit:CODE or person:ID, got %q":                     "%s: 項目 review.templates.%s.escalation: unit:部署コード か person:社員番号 を指定してください（値: %q）",
		"%s: field review.templates.%s.unreviewed: expected revoke or keep, got %q":                             "%s: 項目 review.templates.%s.unreviewed: revoke か keep を指定してください（値: %q）",
		"%s: field review.events.at: expected a time HH:MM (Tokyo), got %q":                                     "%s: 項目 review.events.at: 時刻を HH:MM（日本時間）で指定してください（値: %q）",
		"%s: field store.type: expected sqlite or postgres, got %q":                                             "%s: 項目 store.type: sqlite か postgres を指定してください（値: %q）",
		"%s: field notify.charset: expected utf-8 or iso-2022-jp, got %q":                                       "%s: 項目 notify.charset: utf-8 か iso-2022-jp を指定してください（値: %q）",
		"%s: field rules.%s.limit: expected a number of days from 0 (off) to 3660, got %d":                      "%s: 項目 rules.%s.limit: 0（無効）から 3660 までの日数を指定してください（値: %d）",
		"%s: field rules.%s.systems.%s: expected a number of days from 0 (off) to 3660, got %d":                 "%s: 項目 rules.%s.systems.%s: 0（無効）から 3660 までの日数を指定してください（値: %d）",
		"%s: field rules.inactive_account.action: expected none or disable_account, got %q":                     "%s: 項目 rules.inactive_account.action: none か disable_account を指定してください（値: %q）",
		"%s: field rules.mfa_missing.action: expected none or disable_account, got %q":                          "%s: 項目 rules.mfa_missing.action: none か disable_account を指定してください（値: %q）",
		"%s: %w (give the config file with --config)":                                                           "%s: %w（設定ファイルを --config で指定してください）",
		"%s: field apply: expected approvals ≥ 1, mass_revocation.min ≥ 0, fractions between 0 and 1":           "%s: 項目 apply: approvals は 1 以上、mass_revocation.min は 0 以上、割合は 0 から 1 の間で指定してください",
		"%s: field calendar.company_holidays: expected MM-DD or YYYY-MM-DD, got %q":                             "%s: 項目 calendar.company_holidays: MM-DD か YYYY-MM-DD で指定してください（値: %q）",
		"%s: field hr.encoding: %w":                                                           "%s: 項目 hr.encoding: %w",
		"%s: field policy.evaluator: expected plan or topdown, got %q":                        "%s: 項目 policy.evaluator: plan か topdown を指定してください（値: %q）",
		"%s: field rules.direct_transfer_ban[%d]: expected both from_tags and to_tags":        "%s: 項目 rules.direct_transfer_ban[%d]: from_tags と to_tags の両方を指定してください",
		"mail is never sent about mail (each message would make another); expected one of %s": "メール自体のイベントについてはメールを送りません（送るたびに次のメールが生じます）。次のいずれかを指定してください: %s",
		"unknown event %q: expected one of %s%s":                                              "不明なイベント %q です。次のいずれかを指定してください: %s%s",
		"names no one for %s: it is for %s":                                                   "%s では誰も指しません。これは %s のための指定です",
		"names no one: expected units, tags or ids (or remove the event)":                     "誰も指していません。units、tags、ids のいずれかを指定してください（不要ならイベントごと削除してください）",
		"the campaign_overdue event":                                                          "campaign_overdue イベント",
		"events about a plan":                                                                 "計画についてのイベント",
		"campaign_opened and campaign_reminder":                                               "campaign_opened と campaign_reminder",
		"%s: missing required field %q":                                                       "%s: 必須の項目 %q がありません",
		"%s: read: %w":                                                                        "%s: 読み込み: %w",
		"expected a source name":                                                              "取得元の名前を指定してください",
		"expected one of %v, got %q":                                                          "%v のいずれかを指定してください（値: %q）",
		"source %q appears twice":                                                             "取得元 %q が 2 回出てきます",
		"the name hr is the HR feed's in the source sanity check; choose another":             "hr という名前は件数チェックで人事データが使います。別の名前にしてください",
	})
}
