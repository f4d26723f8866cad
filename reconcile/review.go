package reconcile

// Rule ids of actions that a review, not a policy rule, calls for.
const (
	RuleFebruaryReset  = "reset.february_full_reset"
	RuleResetConfirmed = "reset.confirmed"
	RuleCertRevoked    = "certification.revoked"
	RuleCertUnreviewed = "certification.unreviewed"
)

// ReviewRules are the rule ids above: actions people decided, which the
// policy is not asked about again.
var ReviewRules = []string{RuleFebruaryReset, RuleResetConfirmed, RuleCertRevoked, RuleCertUnreviewed}
