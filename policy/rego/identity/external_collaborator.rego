# METADATA
# title: Outside collaborator with no owner
# description: |
#   An active account of kind outside (a GitHub outside collaborator: not a
#   member of the organisation, rights on its repositories) that the owners
#   mapping does not tie to a person of the HR feed: an external person
#   whose access nobody in the company answers for. A finding for the
#   system's owners to map (owners: the sponsoring employee) or register
#   as an exception; not disabled as a shared account would be.
# custom:
#   id: identity.external_collaborator
#   severity: medium
#   action: finding
#   title_ja: 所有者のない外部コラボレーター
#   messages:
#     external:
#       en: "%s on %s is an outside collaborator that no owners mapping ties to a person of the HR feed: name the employee who sponsors them, or register an exception"
#       ja: "%[2]s の %[1]s は外部コラボレーターで、所有者の対応付けで人事データの誰にも結び付いていません。受け入れ担当の社員を対応付けるか、例外を登録してください"
package accessrecon.rules.identity.external_collaborator

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	some a in input.accounts
	a.status == "active"
	a.kind == "outside"
	a.owner == ""
	not lib.excepted(meta.id, a)
	f := object.union(lib.disable(meta.id, meta.severity, a, lib.say(meta, "external", [a.id, a.system])), {"op": ""})
}
