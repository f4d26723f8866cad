package reset

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"%s: item_id %q is not a right held on a february_reset system (see `reset worksheet`)": "%s: item_id %q は february_reset のシステムで保有されている権限ではありません（`reset worksheet` を参照）",
	})
}
