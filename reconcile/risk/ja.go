package risk

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"review.risk.weights: unknown factor %q (expected one of %s)":      "review.risk.weights: 不明な要因 %q（%s のいずれかを指定してください）",
		"review.risk.weights.%s: expected a weight of 0 or more, got %d":   "review.risk.weights.%s: 重みは 0 以上を指定してください（値: %d）",
		"review.risk.peer_share: expected a share between 0 and 1, got %v": "review.risk.peer_share: 0 から 1 の間の割合を指定してください（値: %v）",
	})
}
