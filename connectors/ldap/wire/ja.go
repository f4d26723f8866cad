package wire

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"url %q: %w":                                    "URL %q: %w",
		"url %q: expected ldap:// or ldaps://":          "URL %q: ldap:// か ldaps:// で始めてください",
		"the server sent more before the TLS handshake": "TLS のハンドシェイクの前にサーバーが余分なデータを送りました",
		"empty password: an empty password binds anonymously, and is not sent": "パスワードが空です: 空のパスワードは匿名バインドになるため送信しません",
		"a malformed answer: %w":                                              "サーバーの応答の形式が正しくありません: %w",
		"an unexpected answer from the server":                                "サーバーから想定外の応答がありました",
		"a malformed control: %w":                                             "サーバーの応答の制御（control）の形式が正しくありません: %w",
		"the server closed the connection: %w":                                "サーバーが接続を閉じました: %w",
		"the server closed the connection":                                    "サーバーが接続を閉じました",
		"an answer to message %d while waiting for %d":                        "メッセージ %[2]d の応答を待っている間に、メッセージ %[1]d への応答が届きました",
		"a malformed answer: a message starts with 0x%02x, not a SEQUENCE":    "サーバーの応答の形式が正しくありません: メッセージが SEQUENCE ではなく 0x%02x で始まっています",
		"a malformed answer: an indefinite length, which LDAP does not allow": "サーバーの応答の形式が正しくありません: LDAP では使えない不定長の形式です",
		"a malformed answer: a length of %d bytes":                            "サーバーの応答の形式が正しくありません: 長さが %d バイトで表されています",
		"a message of %d bytes, more than the %d allowed":                     "%d バイトのメッセージは上限の %d バイトを超えています",
		"a malformed answer from the server":                                  "サーバーの応答の形式が正しくありません",
	})
}
