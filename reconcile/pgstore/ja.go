package pgstore

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"store: the PostgreSQL connection string: %w": "ストア: PostgreSQL の接続文字列: %w",
		"store %s: %w": "ストア %s: %w",
		"the store's schema is version %d, newer than this accessrecon knows (%d): use a newer accessrecon": "ストアのスキーマはバージョン %d で、この accessrecon が扱える %d より新しいものです。新しい accessrecon を使ってください",
	})
}
