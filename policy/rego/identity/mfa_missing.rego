# METADATA
# title: Personal account without multi-factor authentication
# description: |
#   On a system with require_mfa, an active personal account (or an outside
#   collaborator's) whose source
#   says it signs in without a second factor, or does not say (not known is
#   not enabled). The retail-electricity cybersecurity guideline of the
#   seeds: one-time passwords for remote and emergency access. The action is
#   rules.mfa_missing.action: none (a finding, the default) or
#   disable_account.
# custom:
#   id: identity.mfa_missing
#   severity: high
#   action: configurable
#   title_ja: 多要素認証のないID
#   messages:
#     off:
#       en: "%s on %s signs in without multi-factor authentication, which %s requires"
#       ja: "%[2]s のアカウント %[1]s は多要素認証なしでサインインします。%[3]s では多要素認証が必須です"
#     unknown:
#       en: "%s on %s: its source does not say whether it uses multi-factor authentication, which %s requires"
#       ja: "%[2]s のアカウント %[1]s は多要素認証の設定が取得元から分かりません。%[3]s では多要素認証が必須です"
package accessrecon.rules.identity.mfa_missing

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	some a in input.accounts
	a.status == "active"
	a.kind in {"personal", "outside"}
	data.model.systems[a.system].require_mfa
	a.mfa != "on"
	not lib.excepted(meta.id, a)
	f := finding(a, message(a))
}

message(a) := lib.say(meta, "off", [a.id, a.system, a.system]) if a.mfa == "off"
else := lib.say(meta, "unknown", [a.id, a.system, a.system])

finding(a, m) := lib.disable(meta.id, meta.severity, a, m) if {
	data.model.rules.mfa_missing.action == "disable_account"
} else := object.union(lib.disable(meta.id, meta.severity, a, m), {"op": ""})
