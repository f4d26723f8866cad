package signing

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"%s:%d: cert-authority is not supported: list each approver's own key": "%s:%d: cert-authority には対応していません。承認者ごとの鍵を記載してください",
		"%s:%d: expected a public key after the principals: %v":                "%s:%d: プリンシパルの後に公開鍵が必要です: %v",
		"%s:%d: expected principals and a public key":                          "%s:%d: プリンシパルと公開鍵が必要です",
		"%s:%d: unknown option %q":                                             "%s:%d: 不明なオプション %q",
		"%s:%d: valid-after: %v":                                               "%s:%d: valid-after: %v",
		"%s:%d: valid-before: %v":                                              "%s:%d: valid-before: %v",
		"--key %s: %w":                                                         "--key %s: %w",
		"--key %s: not an OpenSSH private key the signer can use: %v":          "--key %s: 署名に使える OpenSSH の秘密鍵ではありません: %v",
		"--key %s: the key is encrypted: set %s to its passphrase":             "--key %s: 鍵が暗号化されています。%s にパスフレーズを設定してください",
		"allowed signers %s: %w":                                               "許可された署名者 %s: %w",
		"expected YYYYMMDD[HHMM[SS]][Z], got %q":                               "YYYYMMDD[HHMM[SS]][Z] の形が必要です（値: %q）",
		"not an SSH signature: %v":                                             "SSH 署名ではありません: %v",
		"sign: %w":                                                             "署名: %w",
		"signed for %q, not %q":                                                "%q 用の署名で、%q 用ではありません",
		"the key %s is not allowed for %s in %s":                               "鍵 %[1]s は %[3]s で %[2]s に許可されていません",
		"the signature does not verify: %v":                                    "署名を検証できません: %v",
	})
}
