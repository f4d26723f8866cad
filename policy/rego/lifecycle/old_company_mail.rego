# METADATA
# title: Mail address of the former company after a transfer
# description: |
#   After an effective transfer between companies, the person's mail address
#   is still in a mail domain of the company they left (org.yaml
#   companies[].mail_domains). Mail addresses change at inter-company moves.
# custom:
#   id: lifecycle.old_company_mail
#   severity: medium
#   action: finding
#   title_ja: 異動前の会社のメールアドレス
#   messages:
#     mail:
#       en: "%s moved from company %s on %s but still has the mail address %s of %s"
#       ja: "%[1]s は %[3]s に会社 %[2]s から異動しましたが、%[5]s のメールアドレス %[4]s のままです"
package accessrecon.rules.lifecycle.old_company_mail

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	some t in input.transfers
	from := lib.moved_away(t)
	parts := split(lower(input.person.mail), "@")
	count(parts) == 2
	some domain in data.model.companies[from].mail_domains
	lower(domain) == parts[1]
	f := lib.transfer_finding(meta.id, meta.severity, t, lib.say(meta, "mail", [input.person.id, from, t.effective, input.person.mail, from]))
}
