package apply

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/atomicfile"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/signing"
	"github.com/gofrs/flock"
	"golang.org/x/crypto/ssh"
)

// ErrSelfApproval is returned when the author of a plan tries to approve it.
var ErrSelfApproval = errors.New("the author of a plan cannot approve it")

// Approvals is the file beside a plan that records who approved which digest.
type Approvals struct {
	Plan       string     `json:"plan"`
	PlanDigest string     `json:"plan_digest"`
	Approvals  []Approval `json:"approvals"`
	// Rejections refuse the plan: apply never carries out a content
	// someone allowed to approve it rejected.
	Rejections []Rejection `json:"rejections,omitempty"`
}

// Rejection is one person's refusal of a plan, with their reason.
type Rejection struct {
	By      string `json:"by"`
	At      string `json:"at"`
	Comment string `json:"comment"`
	Issuer  string `json:"issuer,omitempty"`
	Subject string `json:"subject,omitempty"`
}

// Approval is one person's approval. Signature, when present, is an SSHSIG
// (armored, namespace accessrecon) of the plan's digest by the approver's
// key: `ssh-keygen -Y verify -f allowed_signers -I BY -n accessrecon -s
// SIG` checks it with the digest on standard input.
type Approval struct {
	By        string `json:"by"`
	At        string `json:"at"`
	Signature string `json:"signature,omitempty"`
	// Issuer and Subject are the identity the organisation's OpenID
	// provider verified, for an approval given in the browser (signed by
	// serve's key).
	Issuer  string `json:"issuer,omitempty"`
	Subject string `json:"subject,omitempty"`
}

// ApprovalsPath is where approvals of the plan at planPath are kept.
func ApprovalsPath(planPath string) string { return sidecar(planPath, "approvals.json") }

// ReadApprovals reads the approvals of a plan; none is not an error.
func ReadApprovals(planPath string) (*Approvals, error) {
	data, err := os.ReadFile(ApprovalsPath(planPath))
	if errors.Is(err, os.ErrNotExist) {
		return &Approvals{Plan: filepath.Base(planPath)}, nil
	}
	if err != nil {
		return nil, err
	}
	var a Approvals
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, i18n.Errorf("%s: %w", ApprovalsPath(planPath), err)
	}
	return &a, nil
}

// ApprovalRules are what makes approvals valid: how many, by whom, signed
// with which keys.
type ApprovalRules struct {
	Required  int
	Approvers config.Approvers
	// Signers, when not nil, must allow the key of every approval's
	// signature for its approver (apply.allowed_signers).
	Signers *signing.AllowedSigners
	// Today is the day approvers must be active in the HR feed.
	Today graph.Date
}

// Rules reads the approval rules of a config (and its allowed_signers).
func Rules(cfg *config.Config, today graph.Date) (ApprovalRules, error) {
	r := ApprovalRules{Required: cfg.Apply.Approvals, Approvers: cfg.Apply.Approvers, Today: today}
	if cfg.Apply.AllowedSigners != "" {
		var err error
		if r.Signers, err = signing.ReadAllowedSigners(cfg.Resolve(cfg.Apply.AllowedSigners)); err != nil {
			return r, err
		}
	}
	return r, nil
}

// ApproveOptions say who approves, and how the approval is signed: with a
// key (Signer), or with a signature made elsewhere (`ssh-keygen -Y sign -n
// accessrecon`, e.g. with a key in an agent).
type ApproveOptions struct {
	By string
	// Issuer and Subject: the verified identity of a web approval.
	Issuer, Subject string
	Signer          ssh.Signer
	Signature       string
	Now             time.Time
	Rules           ApprovalRules
}

// CheckApproval checks one approval of a plan as apply does and returns the
// approver's canonical id.
func CheckApproval(snap *graph.Snapshot, p *reconcile.Plan, x Approval, r ApprovalRules) (string, error) {
	return approver(snap, p, x, r)
}

// approver checks one approval of a plan and returns the approver's
// canonical id.
func approver(snap *graph.Snapshot, p *reconcile.Plan, x Approval, r ApprovalRules) (string, error) {
	person, err := reconcile.ActivePerson(snap, x.By, r.Today)
	if err != nil {
		return "", err
	}
	if reconcile.SamePerson(snap, person.EmployeeID, p.CreatedBy) {
		return "", i18n.Errorf("%w: %s wrote it", ErrSelfApproval, person.EmployeeID)
	}
	if why := reconcile.MayApprove(snap, r.Approvers, person, r.Today); why != "" {
		return "", errors.New(why)
	}
	if r.Signers != nil {
		if x.Signature == "" {
			return "", i18n.Errorf("the approval by %s is not signed, and apply.allowed_signers requires signatures (approve --key KEYFILE)", person.EmployeeID)
		}
		at, err := time.Parse(time.RFC3339, x.At)
		if err != nil {
			return "", i18n.Errorf("the approval by %s: field at: %v", person.EmployeeID, err)
		}
		if err := r.Signers.Verify([]byte(p.Digest), x.Signature, person.EmployeeID, at); err != nil {
			return "", i18n.Errorf("the approval by %s: %w", person.EmployeeID, err)
		}
	}
	return person.EmployeeID, nil
}

// Approve records an approval of the plan, bound to its digest, by an
// active person of the HR feed other than its author whom apply.approvers
// allows; signed when a key or signature is given (and required to be when
// apply.allowed_signers is set). Approvals of an earlier content are
// dropped.
func Approve(planPath string, p *reconcile.Plan, in *inputs.Inputs, o ApproveOptions) (*Approvals, error) {
	snap := in.Graph.Snapshot()
	person, err := reconcile.ActivePerson(snap, o.By, o.Rules.Today)
	if err != nil {
		return nil, i18n.Errorf("approve --by: %w", err)
	}
	x := Approval{By: person.EmployeeID, At: o.Now.In(graph.Tokyo).Format(time.RFC3339), Signature: o.Signature, Issuer: o.Issuer, Subject: o.Subject}
	if o.Signer != nil {
		if x.Signature, err = signing.Sign([]byte(p.Digest), o.Signer); err != nil {
			return nil, err
		}
	}
	if _, err := approver(snap, p, x, o.Rules); err != nil {
		return nil, i18n.Errorf("approve: %w", err)
	}
	a, err := ReadApprovals(planPath)
	if err != nil {
		return nil, err
	}
	if a.PlanDigest != p.Digest {
		a = &Approvals{Plan: filepath.Base(planPath), PlanDigest: p.Digest}
	}
	if len(a.Rejections) > 0 {
		return nil, refuse("approve: the plan was rejected by %s: %s", a.Rejections[0].By, a.Rejections[0].Comment)
	}
	a.Approvals = slices.DeleteFunc(a.Approvals, func(y Approval) bool { return y.By == x.By })
	a.Approvals = append(a.Approvals, x)
	return a, atomicfile.WriteJSONFile(ApprovalsPath(planPath), a)
}

// Reject records that someone allowed to approve the plan refuses it, with
// their reason: apply refuses the plan from then on (a new plan is made
// instead). The author may reject (withdraw) their own plan.
func Reject(planPath string, p *reconcile.Plan, in *inputs.Inputs, o ApproveOptions, comment string) (*Approvals, error) {
	snap := in.Graph.Snapshot()
	person, err := reconcile.ActivePerson(snap, o.By, o.Rules.Today)
	if err != nil {
		return nil, i18n.Errorf("reject: %w", err)
	}
	if !reconcile.SamePerson(snap, person.EmployeeID, p.CreatedBy) {
		if why := reconcile.MayApprove(snap, o.Rules.Approvers, person, o.Rules.Today); why != "" {
			return nil, i18n.Errorf("reject: %s", why)
		}
	}
	if strings.TrimSpace(comment) == "" {
		return nil, i18n.Errorf("reject: give the reason")
	}
	a, err := ReadApprovals(planPath)
	if err != nil {
		return nil, err
	}
	if a.PlanDigest != p.Digest {
		a = &Approvals{Plan: filepath.Base(planPath), PlanDigest: p.Digest}
	}
	a.Rejections = append(a.Rejections, Rejection{By: person.EmployeeID, At: o.Now.In(graph.Tokyo).Format(time.RFC3339), Comment: comment, Issuer: o.Issuer, Subject: o.Subject})
	return a, atomicfile.WriteJSONFile(ApprovalsPath(planPath), a)
}

// CheckApprovals refuses a plan without enough valid approvals, and any
// approval that is not valid: by someone the HR feed does not know as
// active today, by the author, by someone apply.approvers does not name, or
// without a signature allowed_signers accepts.
func CheckApprovals(planPath string, p *reconcile.Plan, in *inputs.Inputs, r ApprovalRules) error {
	a, err := ReadApprovals(planPath)
	if err != nil {
		return err
	}
	if len(a.Approvals) > 0 && a.PlanDigest != p.Digest {
		return refuse("the plan was modified after it was approved (approved %s, now %s)", a.PlanDigest, p.Digest)
	}
	if len(a.Rejections) > 0 && a.PlanDigest == p.Digest {
		x := a.Rejections[0]
		return refuse("the plan was rejected by %s on %s: %s", x.By, x.At, x.Comment)
	}
	snap := in.Graph.Snapshot()
	// What the audit log proves: an approval counts when it is signed by a
	// key apply.allowed_signers allows, or when accessrecon recorded it
	// (approve, the reviewer pages) in a line the checkpoints cover; its
	// time is the recorded one.
	ev, err := audit.Evidence(in.Config, p.Digest)
	if err != nil {
		return err
	}
	var valid []string
	for _, x := range a.Approvals {
		id, err := approver(snap, p, x, r)
		if err != nil {
			return refuse("%s: %v", ApprovalsPath(planPath), err)
		}
		if ev != nil {
			at, recorded := ev.Approved[id]
			switch {
			case !recorded && r.Signers == nil:
				return refuse("%s: the approval by %s is not in the audit log (covered by its checkpoints): only approvals accessrecon recorded (accessrecon approve, the reviewer pages) or signed by a key of apply.allowed_signers count", ApprovalsPath(planPath), id)
			case recorded && !sameMoment(at, x.At):
				return refuse("%s: the approval by %s says %s, but accessrecon recorded it at %s: the file was changed", ApprovalsPath(planPath), id, x.At, at)
			}
		}
		if !slices.Contains(valid, id) {
			valid = append(valid, id)
		}
	}
	if len(valid) < r.Required {
		return refuse("the plan is not approved: %d of %d approvals by someone other than its author %q (accessrecon approve %s --by ID --key KEYFILE)", len(valid), r.Required, p.CreatedBy, planPath)
	}
	return nil
}

// sameMoment says whether two RFC 3339 times are within two minutes of each
// other (an approval's time in its file, and in its audit event).
func sameMoment(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	if errA != nil || errB != nil {
		return false
	}
	d := ta.Sub(tb)
	return d < 2*time.Minute && d > -2*time.Minute
}

// sidecar is the path of a file beside the plan: plan.json → plan.SUFFIX.
func sidecar(planPath, suffix string) string {
	return strings.TrimSuffix(planPath, filepath.Ext(planPath)) + "." + suffix
}

// Lock takes the plan's lock (PLAN.lock beside its journal), so that one
// apply at a time carries out a plan: a second one is refused while the
// first holds it. unlock releases it; the system releases it too when the
// process ends, however it ends.
func Lock(planPath string) (unlock func(), err error) {
	l := flock.New(sidecar(planPath, "lock"))
	ok, err := l.TryLock()
	if err != nil {
		return nil, i18n.Errorf("lock %s: %w", l.Path(), err)
	}
	if !ok {
		return nil, refuse("another apply holds %s; wait for it to end (its journal keeps what it did)", planPath)
	}
	return func() { l.Unlock() }, nil
}

// MayView says why a person may not see a plan (nil when they may): only
// its author and the people apply.approvers allows see plans, and nobody
// sees one that touches a system confidential to a company other than
// theirs (the information firewall). The reviewer pages show plans by it.
func MayView(snap *graph.Snapshot, cfg *config.Config, p *graph.Person, plan *reconcile.Plan, day graph.Date) error {
	if !reconcile.SamePerson(snap, p.EmployeeID, plan.CreatedBy) {
		if why := reconcile.MayApprove(snap, cfg.Apply.Approvers, p, day); why != "" {
			return errors.New(why)
		}
	}
	d, err := reconcile.DeciderOf(snap, p.EmployeeID, day)
	if err != nil {
		return err
	}
	for _, id := range plan.Systems() {
		if slices.Contains(d.Hidden, id) {
			return i18n.Errorf("the plan touches %s, confidential to another company than yours (%s)", id, d.Company)
		}
	}
	return nil
}

// MayDecide says whether a person may approve or reject a plan (the pages
// show the buttons by it; Approve and Reject check it again): not its
// author, and allowed by apply.approvers.
func MayDecide(snap *graph.Snapshot, cfg *config.Config, p *graph.Person, plan *reconcile.Plan, day graph.Date) bool {
	return !reconcile.SamePerson(snap, p.EmployeeID, plan.CreatedBy) && reconcile.MayApprove(snap, cfg.Apply.Approvers, p, day) == ""
}
