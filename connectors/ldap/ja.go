package ldap

import "github.com/accessrecon/accessrecon/i18n"

// The Japanese of this package's messages, by their English format.
func init() {
	i18n.Register(map[string]string{
		"ldap %s: %w: more than %d referrals in a chain (last %s)": "ldap %s: %w: 参照（referral）が %d 段を超えて続いています（最後: %s）",
		"following the referral %s: %w":                            "参照 %s をたどる: %w",
		"ldap: filter %q: %v":                                      "ldap: フィルター %q: %v",
		"extensible matches other than Active Directory's bitwise ones (such as the in-chain rule) are not evaluated on an LDIF export": "Active Directory のビット演算以外の拡張一致（in-chain ルールなど）は LDIF の出力には適用できません",
		"extensible matches (such as the in-chain rule) are not evaluated on an LDIF export":                                            "拡張一致（in-chain ルールなど）は LDIF の出力には適用できません",
		"%w: %s holds %s on %s through nested groups (%s): take %s out of the innermost group, or that group out of the one above it":   "%[1]w: %[2]s は入れ子のグループ（%[5]s）を通じて %[4]s の %[3]s を持っています。%[6]s を最も内側のグループから外すか、そのグループを上のグループから外してください",
		"ldap: %s of %s is %q, not a number":                        "ldap: %[2]s の %[1]s が %[3]q で、数値ではありません",
		"ldap: disable %s: %v":                                      "ldap: %s の無効化: %v",
		"ldap: disable %s: %s kept changing while it was being set": "ldap: %s の無効化: 設定中に %s が変わり続けました",
		"ldap %s: %s: %w: the member ranges do not advance":         "ldap %s: %s: %w: member の範囲取得が先に進みません",
		"%w: removing %s would leave %s empty, which its object class forbids; remove the right by hand (or delete the group), or set empty_group_member on source %s to a placeholder DN": "%w: %s を削除すると %s が空になり、オブジェクトクラスがそれを許しません。権限を手作業で削除する（またはグループを削除する）か、取得元 %s の empty_group_member に代わりの DN を設定してください",
		"ldap %s: %w: %v":                               "ldap %s: %w: %v",
		"ldap %s: StartTLS: %w: %v":                     "ldap %s: StartTLS: %w: %v",
		"ldap %s: bind as %s: %w: %v":                   "ldap %s: %s としてのバインド: %w: %v",
		"ldap %s: search %s: %w: %v":                    "ldap %s: 検索 %s: %w: %v",
		"ldap search %s: %v":                            "ldap 検索 %s: %v",
		"ldap: %s matches more than one entry below %s": "ldap: %s は %s の下の複数のエントリーに一致します",
		"ldap: %w":               "ldap: %w",
		"ldap: add %s to %s: %v": "ldap: %[2]s へ %[1]s を追加: %[3]v",
		"ldap: ca_file %s: no PEM certificate in it":                       "ldap: ca_file %s: PEM 形式の証明書がありません",
		"ldap: ca_file: %w":                                                "ldap: ca_file: %w",
		"ldap: cannot %s":                                                  "ldap: %s は実施できません",
		"ldap: disable.method %q: expected ppolicy, uac or move":           "ldap: disable.method %q: ppolicy、uac、move のいずれかを指定してください",
		"ldap: directory %q: expected openldap or active_directory":        "ldap: directory %q: openldap か active_directory を指定してください",
		"ldap: lock %s: %v":                                                "ldap: %s のロック: %v",
		"ldap: mappings[%d]: %w":                                           "ldap: mappings[%d]: %w",
		"ldap: mappings[%d]: a mapping by dn needs system and entitlement": "ldap: mappings[%d]: dn による対応付けには system と entitlement が必要です",
		"ldap: mappings[%d]: expected dn or pattern":                       "ldap: mappings[%d]: dn か pattern を指定してください",
		"ldap: mappings[%d]: pattern %q needs {system} and {entitlement}, or system and entitlement fields": "ldap: mappings[%d]: パターン %q には {system} と {entitlement}、または system と entitlement の項目が必要です",
		"ldap: missing required field %q":                  "ldap: 必須の項目 %q がありません",
		"ldap: move %s to %s: %v":                          "ldap: %s を %s へ移動: %v",
		"ldap: no group mapping gives %s on %s":            "ldap: %[2]s の %[1]s を与えるグループの対応付けがありません",
		"ldap: remove %s from %s: %v":                      "ldap: %[2]s から %[1]s を削除: %[3]v",
		"ldap: replace %s by the placeholder %s in %s: %v": "ldap: %[3]s で %[1]s を代わりの %[2]s に置き換え: %[4]v",
		"ldap: url %q: expected ldap:// or ldaps://":       "ldap: url %q: ldap:// か ldaps:// で指定してください",
		"%s:%d: %s: attribute %s has its value by URL (%s:<), which is not read: export the values themselves":                                                                                                                  "%s:%d: %s: 属性 %s の値が URL で与えられています（%s:<）。読み込まないため、値そのものを出力してください",
		"%s:%d: %s: the export holds only the members in member;range=%s, not the rest: export every range of the attribute (ldapsearch asks for them in turn; ldifde does not)":                                                "%s:%d: %s: 出力には member;range=%s のメンバーしかなく、残りがありません。属性のすべての範囲を出力してください（ldapsearch は順に取得しますが、ldifde はしません）",
		"ldap: member_of without groups.base_dn: memberOf names only an account's direct groups, so rights through nested groups and the primary group would be lost; give groups.base_dn (a bind DN that can read the groups)": "ldap: groups.base_dn のない member_of: memberOf はアカウントが直接属するグループしか示さないため、入れ子のグループやプライマリグループによる権限が失われます。groups.base_dn を指定してください（グループを読めるバインド DN で）",
	})
}
