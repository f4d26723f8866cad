package reset

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"a confirmation of one's own right: another person of the owner unit confirms it":       "本人の権限の確認です。所管部署の別の人が確認します",
		"the confirmer is not of the system's owner unit":                                       "確認者がシステムの所管部署の人ではありません",
		"the system is confidential to another company than the confirmer's":                    "確認者の会社以外の機密システムです",
		"%s: %s, confirmed by %q: %w":                                                           "%s: %s（確認者 %q）: %w",
		"%s: %s, confirmed by %s (%s): %w":                                                      "%s: %s（確認者 %s、%s）: %w",
		"%s: item_id %q is not a right held on a february_reset system (see `reset worksheet`)": "%s: item_id %q は february_reset のシステムで保有されている権限ではありません（`reset worksheet` を参照）",
	})
}
