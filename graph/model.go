// Package graph is the in-memory model every other package shares: the
// go-memdb schema, the record types stored in it, bulk loading and the queries
// the policy input is built from.
//
// Records are stored by pointer and never modified after insertion; to change
// one, insert a copy.
package graph

import (
	"strings"
	"time"
)

// Company is a legal entity of the group (org.yaml).
type Company struct {
	ID   string
	Name string
	Kind string // network | retail | generation | holding | other
	// MailDomains are the company's mail domains (optional).
	MailDomains []string
}

// Unit is an organisational unit; its tags are what the separation rules match.
type Unit struct {
	ID      string
	Company string
	Name    string
	Tags    []string
}

// Person is one row of people.csv: the assignment before any transfer.
type Person struct {
	EmployeeID string
	Name       string
	Company    string
	Unit       string
	Employment string // employee | contractor
	StartDate  Date
	EndDate    Date // last day of employment; zero when open-ended
	Mail       string
	// Manager is the employee_id of the person's manager (optional; mail
	// escalates overdue reviews to them).
	Manager string
}

// HasLeft reports whether the person's employment ended before day d.
func (p *Person) HasLeft(d Date) bool { return !p.EndDate.IsZero() && p.EndDate < d }

// Transfer is one HR transfer event (transfers.csv).
type Transfer struct {
	EventID    string
	EmployeeID string
	FromUnit   string
	ToUnit     string
	Effective  Date
	PledgeDate Date
}

// Entitlement is a right a system can grant, with its role model.
type Entitlement struct {
	ID           string
	AllowedUnits []string
}

// System is a target system (systems.yaml).
type System struct {
	ID             string
	Name           string
	Owner          string // unit id
	ConfidentialTo []string
	FebruaryReset  bool
	Entitlements   []Entitlement
	// RosterRequired: a contractor's account needs an approved roster
	// entry for the system (the roster file).
	RosterRequired bool
	// RequireMFA: a personal account must have multi-factor authentication.
	RequireMFA bool
}

// NeverSignedIn is an account's LastSignIn when its source keeps sign-ins
// and has none for it.
const NeverSignedIn Date = -1

// Account MFA states.
const (
	MFAOn  = "on"
	MFAOff = "off"
)

// RosterEntry is a contractor approved to work on a system (the roster
// file): from ApprovedOn, until ValidUntil (zero: no end).
type RosterEntry struct {
	ID         string // Person/System/ApprovedOn
	Person     string
	System     string
	ApprovedOn Date
	ValidUntil Date
}

// Account is an identity on a target system.
type Account struct {
	Key    string // System + "/" + ID, the primary key
	System string
	ID     string
	Owner  string // employee_id; empty if none
	Kind   string // personal | shared | service (connectors may add kinds)
	Status string // active | disabled
	Source string // name of the source that reported it
	// MFA is whether the account signs in with a second factor: MFAOn,
	// MFAOff, or "" when its source does not say.
	MFA string
	// CreatedAt is the day the account was made (zero when not known).
	CreatedAt Date
	// PasswordSetAt is the day the account's password was last set (zero
	// when its source does not say).
	PasswordSetAt Date
	// LastSignIn is the day of the account's last successful sign-in: zero
	// when its source does not say, NeverSignedIn when it says there was
	// none.
	LastSignIn Date
	// SyncedFrom is the key of the account this one is a copy of, kept in
	// step by a directory synchronisation (an Entra ID user synced from
	// on-premises Active Directory: "ad/jsato"), where it must be changed;
	// "" for an account mastered where it is.
	SyncedFrom string
	// Grants are the rights the account holds, by entitlement.
	Grants []*Grant
}

// Grant returns the account's grant of an entitlement, or nil.
func (a *Account) Grant(entitlement string) *Grant {
	for _, g := range a.Grants {
		if g.Entitlement == entitlement {
			return g
		}
	}
	return nil
}

// Holding is what one owner id holds: the accounts that name it as owner, by
// key (owner "" holds the accounts that name none). A subject's accounts are
// one lookup, and the graph needs no index entry per account for it.
type Holding struct {
	Owner    string
	Accounts []*Account
}

// SystemAccounts are the accounts of one system, by key: the accounts
// table's records. Hundreds of thousands of accounts cost go-memdb's radix
// tree half a kilobyte and five objects each as records of their own; as a
// few lists they cost a slice element, and a lookup by key is one lookup
// and a binary search.
type SystemAccounts struct {
	System   string
	Accounts []*Account
}

// Grant is one entitlement held by one account (stored in Account.Grants).
type Grant struct {
	System      string
	Account     string
	Entitlement string
	Origin      string // role | request | emergency
	GrantedAt   Date
	ExpiresAt   Date
	Source      string
	// Via is the path the right comes through, when not held directly
	// (GitHub: "team:backend", "invitation"; several comma-separated):
	// what a reviewer sees, and what revoking it changes.
	Via string
}

// Sources are the sources that report the grant: usually one; two when
// two sources report the same right (see Writer.AddGrant).
func (g *Grant) Sources() []string { return strings.Split(g.Source, ",") }

// originRank orders origins from the least to the most scrutinised: a
// grant two sources report takes the higher (emergency grants are checked
// against their window, role grants against the role model).
func originRank(origin string) int {
	switch origin {
	case "emergency":
		return 2
	case "role":
		return 1
	}
	return 0
}

// Emergency is a declared emergency window during which listed companies may
// use listed systems.
type Emergency struct {
	ID        string
	Reason    string
	Systems   []string
	Companies []string
	Start     time.Time
	End       time.Time
}

// DutyConflict is a pair of rights that one person must not hold together
// (the separation-of-duties matrix): A and B as SYSTEM/ENTITLEMENT, why,
// and the employees allowed to hold both.
type DutyConflict struct {
	ID         string // A + " | " + B
	A, B       string
	Reason     string
	Exceptions []string
}

// Exception is a registered, expiring exception to one rule for one account.
type Exception struct {
	ID            string
	Rule          string
	System        string
	Account       string
	Justification string
	ApprovedBy    string
	Expires       Date
}

// Key is System/Account/Entitlement, SPEC's item id of the grant.
func (g *Grant) Key() string { return GrantKey(g.System, g.Account, g.Entitlement) }

// AccountKey is the key of the grant's account.
func (g *Grant) AccountKey() string { return AccountKey(g.System, g.Account) }

// AccountKey is the primary key of an account.
func AccountKey(system, account string) string { return system + "/" + account }

// GrantKey is the primary key of a grant, SPEC's item id SYSTEM/ACCOUNT/ENTITLEMENT.
func GrantKey(system, account, entitlement string) string {
	return system + "/" + account + "/" + entitlement
}
