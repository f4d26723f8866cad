package reviewdb

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"%s: %d rows copied, %d read": "%s: 読み込み %[3]d 行に対しコピー %[2]d 行",
		"the review store %s has %d rows in %s already: it is copied only into an empty one": "確認ストア %s の %[3]s にはすでに %[2]d 行あります。コピーできるのは空のストアにだけです",
		"already decided at this stage":                              "この段階で判定済みです",
		"not an item of this campaign":                               "この棚卸しの項目ではありません",
		"not on your worklist at its current stage":                  "現在の段階ではあなたの確認対象ではありません",
		"it is your own right: another reviewer decides it":          "あなた自身の権限です。別の確認者が判定します",
		"the system is confidential to another company":              "他社の機密システムです",
		"the campaign is closed":                                     "棚卸しは締め切られています",
		"expected keep or revoke":                                    "keep（維持）か revoke（取消）を指定してください",
		"campaign %s: no stages":                                     "棚卸し %s: 段階がありません",
		"campaign %s: stage %d is numbered %d":                       "棚卸し %s: %d 番目の段階の番号が %d です",
		"review store %s: %w":                                        "確認ストア %s: %w",
		"item %s: %w":                                                "項目 %s: %w",
		"a campaign with this id already exists in the review store": "同じ ID の棚卸しが確認ストアにすでにあります",
		"campaign %s: %w":                                            "棚卸し %s: %w",
		"items changed while they were decided (%d of %d moved)":     "判定中に項目が変更されました（%[2]d 件中 %[1]d 件のみ移動）",
		"store: %w":                            "ストア: %w",
		"item %s changed while it was decided": "項目 %s は判定中に変更されました",
		"stage reviewers %q: expected owner_unit, manager or unit:CODE":                                     "段階の確認者 %q: owner_unit、manager、unit:部署コード のいずれかを指定してください",
		"one cannot delegate to oneself":                                                                    "自分自身には委任できません",
		"the store's schema is version %d, newer than this accessrecon knows (%d): use a newer accessrecon": "ストアのスキーマはバージョン %d で、この accessrecon が扱える %d より新しいものです。新しい accessrecon を使ってください",
		"campaign %q is not in the review store %s":                                                         "棚卸し %q は確認ストア %s にありません",
		"decision %q: %w":              "判定 %q: %w",
		"%s: %s, decided %s by %s: %w": "%s: %s（%s と判定、判定者 %s）: %w",
		"a campaign is closed once":    "棚卸しの締切は一度だけです",
		"its stages have not ended: wait for them, or close it early with --force REASON": "段階がまだ終わっていません。終わるまで待つか、--force 理由 を付けて早期に締め切ってください",
		"campaign %s was closed by %s at %s (plan %s): %w":                                "棚卸し %s は %s が %s に締め切り済みです（計画 %s）: %w",
		"campaign %s: %s: %w":                     "棚卸し %s: %s: %w",
		"%d items open at stage %d (%s, due %s)":  "段階 %[2]d（%[3]s、期限 %[4]s）に未判定 %[1]d 件",
		"unreviewed %q: %w":                       "未確認の扱い %q: %w",
		"campaign %s changed while it was closed": "棚卸し %s は締切の処理中に変更されました",
		"campaign %s (closed by %s at %s): %w":    "棚卸し %s（%s が %s に締切）: %w",
	})
}
