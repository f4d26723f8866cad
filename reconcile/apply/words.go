package apply

import "strings"

// stateJA are the journal states in Japanese.
var stateJA = map[string]string{
	StateStarted: "開始", StateManual: "確認待ち", StateDone: "完了", StateFailed: "失敗",
	StateSkipped: "対象外", StateWaiting: "実施日待ち", StateRefused: "拒否", StatePending: "未実施",
}

// detailJA are the details apply writes, by their English start, in
// Japanese; the rest of the detail (a system, a source, a date) follows.
var detailJA = []struct{ en, ja string }{
	{"not started: apply was stopped", "未開始（apply を中断）"},
	{"waiting for the administrators' confirmation", "管理者の確認待ち"},
	{"effective on ", "実施日 "},
	{"would be carried out through source ", "実施予定: 取得元 "},
	{"carried out through source ", "実施済み: 取得元 "},
	{"work order for the administrators of ", "作業指示書（管理者へ）: "},
	{"the account no longer exists", "アカウントがもうありません"},
	{"the account is already disabled", "アカウントはすでに無効です"},
	{"the right is already gone", "権限はすでにありません"},
	{"the policy no longer calls for it ", "ポリシーはもう求めていません "},
	{"confirmed by ", "確認: "},
}

// StateIn is a journal state in a language ("ja", else as it is).
func StateIn(state, lang string) string {
	if lang == "ja" && stateJA[state] != "" {
		return stateJA[state]
	}
	return state
}

// DetailIn is an outcome's detail in a language ("ja", else English); a
// detail from elsewhere (a directory's error) stays as it is.
func DetailIn(detail, lang string) string {
	if lang != "ja" {
		return detail
	}
	for _, d := range detailJA {
		if rest, ok := strings.CutPrefix(detail, d.en); ok {
			return d.ja + rest
		}
	}
	return detail
}
