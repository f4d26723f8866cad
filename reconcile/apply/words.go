package apply

// stateJA are the journal states in Japanese.
var stateJA = map[string]string{
	StateStarted: "開始", StateManual: "確認待ち", StateDone: "完了", StateFailed: "失敗",
	StateSkipped: "対象外", StateWaiting: "実施日待ち", StateRefused: "拒否", StatePending: "未実施",
}

// StateIn is a journal state in a language ("ja", else as it is).
func StateIn(state, lang string) string {
	if lang == "ja" && stateJA[state] != "" {
		return stateJA[state]
	}
	return state
}
