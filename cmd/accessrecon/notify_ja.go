package main

import "github.com/accessrecon/accessrecon/i18n"

func init() {
	i18n.Register(map[string]string{
		"notify: smtp: %w": "notify: smtp: %w",
		"mail the people the config names about the audit log's events":                           "監査ログの出来事を、設定で指定した人にメールで知らせます",
		"queue the messages of new events and send the queue (once; for cron and systemd timers)": "新しい出来事のメールをキューに入れて送信します（1 回。cron や systemd タイマー向け）",
		"write each message as an .eml file into --out, send nothing, remember nothing":           "各メールを .eml ファイルとして --out に書き出します（送信も記録もしません）",
		"the folder `DIR` of --dry-run's .eml files":                                              "--dry-run の .eml ファイルを書き出すフォルダー `DIR`",
		"notify run --dry-run: give the folder for the messages with --out DIR":                   "notify run --dry-run: メールを書き出すフォルダーを --out DIR で指定してください",
		"refused: %s (%s): %s":                                 "送信拒否: %s（%s）: %s",
		"%d messages written to %s, %d refused; nothing sent":  "%[1]d 通を %[2]s に書き出しました。拒否 %[3]d 通。送信はしていません",
		"accessrecon: not sent yet, kept in the queue: %s: %v": "accessrecon: 未送信のためキューに残しました: %s: %v",
		"%d messages sent, %d refused, %d kept in the queue":   "送信 %d 通、拒否 %d 通、キューに残したもの %d 通",
	})
}
