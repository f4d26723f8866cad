package atomicfile

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"encode %s: %w":                     "書き出し %s: %w",
		"write %s: %q is not one file name": "書き込み %s: %q は 1 つのファイル名ではありません",
		"write %s: %w":                      "書き込み %s: %w",
	})
}
