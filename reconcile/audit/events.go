package audit

// The events of the audit log: every Event.Event accessrecon writes is one of
// these. notify.events in the config may name any of them but the mail's own
// (config.NotifyEvents, held equal to this list by a test).
const (
	Plan                  = "plan"                    // plan wrote a plan
	Approval              = "approval"                // approve (or the web page) added an approval
	Rejection             = "rejection"               // a reviewer rejected a plan on the web page
	Refusal               = "refusal"                 // apply or the web page refused a plan or an approval
	MassRevocationAllowed = "mass_revocation_allowed" // apply went past the mass-revocation limit on request
	Action                = "action"                  // apply carried out, skipped or confirmed one action
	Apply                 = "apply"                   // an apply ended
	Interrupted           = "interrupted"             // an apply stopped on request before the end
	LogsCheck             = "logs_check"              // the daily log check ran
	TransferForbidden     = "transfer_forbidden"      // HR checked a forbidden transfer through serve
	ResetWorksheets       = "reset_worksheets"        // reset wrote the February worksheets
	CampaignOpened        = "campaign_opened"         // certify open
	CampaignClosed        = "campaign_closed"         // certify close
	ReviewDecision        = "review_decision"         // a reviewer kept or revoked on the web page
	ReviewDelegation      = "review_delegation"       // a reviewer delegated their part
	ReviewStageEnded      = "review_stage_ended"      // a stage's due day decided its open items by default
	SignIn                = "signin"                  // a person signed in to the web pages
	SignInRefused         = "signin_refused"          // a sign-in was refused
	MailSent              = "mail_sent"               // notify sent a message
	MailRefused           = "mail_refused"            // notify refused to send a message, with why
	AuditAccepted         = "audit_accepted"          // audit accept: lines no checkpoint covered, accepted with a reason (they prove nothing)
	WebhookRefused        = "webhook_refused"         // serve refused an HR service's webhook (its token or signature did not match)
)

// Names are the events above, in that order.
var Names = []string{
	Plan, Approval, Rejection, Refusal, MassRevocationAllowed, Action, Apply, Interrupted,
	LogsCheck, TransferForbidden, ResetWorksheets, CampaignOpened, CampaignClosed,
	ReviewDecision, ReviewDelegation, ReviewStageEnded, SignIn, SignInRefused, MailSent, MailRefused, AuditAccepted, WebhookRefused,
}
