# METADATA
# title: Emergency right outside its window
# description: |
#   A grant of origin emergency whose window has ended, or that no declared
#   window covers, for the holder's current company on the as-of day.
# custom:
#   id: emergency.grant_outlives_window
#   severity: high
#   action: revoke
#   title_ja: 非常時権限の期限切れ
#   messages:
#     ended:
#       en: "emergency window %s (%s) ended at %s"
#       ja: "非常時の期間 %s（%s）は %s に終了しています"
#     none:
#       en: "no emergency window covers %s for company %s"
#       ja: "%s について会社 %s を対象とする非常時の期間がありません"
package accessrecon.rules.emergency.grant_outlives_window

import data.accessrecon.lib

meta := lib.about(rego.metadata.chain())

findings contains f if {
	company := object.get(input, ["person", "company"], "")
	some a in input.accounts
	a.status == "active"
	some g in a.grants
	g.origin == "emergency"
	not lib.emergency_active(a.system, company)
	f := lib.revoke(meta.id, meta.severity, a, g, why(a.system, company))
}

ended := [w |
	some w in data.model.emergencies
	w.end_ns < data.model.as_of_start_ns
]

why(system, company) := lib.say(meta, "ended", [w.id, w.reason, w.end]) if {
	windows := [w | some w in ended; lib.window_covers(w, system, company)]
	count(windows) > 0
	w := windows[count(windows) - 1]
} else := lib.say(meta, "none", [system, company])
