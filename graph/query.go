package graph

import (
	"slices"
	"strings"

	memdb "github.com/hashicorp/go-memdb"
)

// Snapshot is a consistent read-only view of the graph. It is safe for
// concurrent use by many goroutines.
type Snapshot struct {
	txn *memdb.Txn
}

// Snapshot returns a read view of everything committed so far.
func (g *Graph) Snapshot() *Snapshot { return &Snapshot{txn: g.db.Txn(false)} }

func first[T any](s *Snapshot, table, index string, args ...any) *T {
	obj, err := s.txn.First(table, index, args...)
	if err != nil || obj == nil {
		return nil
	}
	return obj.(*T)
}

func all[T any](s *Snapshot, table, index string, args ...any) []*T {
	it, err := s.txn.Get(table, index, args...)
	if err != nil {
		return nil
	}
	var out []*T
	for obj := it.Next(); obj != nil; obj = it.Next() {
		out = append(out, obj.(*T))
	}
	return out
}

// Company returns the company with that id, or nil.
func (s *Snapshot) Company(id string) *Company { return first[Company](s, TableCompanies, IndexID, id) }

// Unit returns the unit with that id, or nil.
func (s *Snapshot) Unit(id string) *Unit { return first[Unit](s, TableUnits, IndexID, id) }

// Person returns the person with that employee_id, or nil.
func (s *Snapshot) Person(id string) *Person { return first[Person](s, TablePeople, IndexID, id) }

// System returns the system with that id, or nil.
func (s *Snapshot) System(id string) *System { return first[System](s, TableSystems, IndexID, id) }

// Transfer returns the transfer event with that id, or nil.
func (s *Snapshot) Transfer(id string) *Transfer {
	return first[Transfer](s, TableTransfers, IndexID, id)
}

// Account returns the account with that key (SYSTEM/ACCOUNT), or nil.
func (s *Snapshot) Account(key string) *Account { return accountIn(s.txn, key) }

// AccountOf returns a system's account by id, or nil.
func (s *Snapshot) AccountOf(system, id string) *Account { return accountOf(s.txn, system, id) }

// Companies lists all companies by id.
func (s *Snapshot) Companies() []*Company { return all[Company](s, TableCompanies, IndexID) }

// Units lists all units by id.
func (s *Snapshot) Units() []*Unit { return all[Unit](s, TableUnits, IndexID) }

// People lists everyone by employee_id.
func (s *Snapshot) People() []*Person { return all[Person](s, TablePeople, IndexID) }

// Systems lists all systems by id.
func (s *Snapshot) Systems() []*System { return all[System](s, TableSystems, IndexID) }

// Emergencies lists all emergency windows by id.
func (s *Snapshot) Emergencies() []*Emergency { return all[Emergency](s, TableEmergencies, IndexID) }

// Exceptions lists all exceptions by id.
func (s *Snapshot) Exceptions() []*Exception { return all[Exception](s, TableExceptions, IndexID) }

// DutyConflicts lists the separation-of-duties pairs by id.
func (s *Snapshot) DutyConflicts() []*DutyConflict { return all[DutyConflict](s, TableDuties, IndexID) }

// Rosters lists the roster entries by id.
func (s *Snapshot) Rosters() []*RosterEntry { return all[RosterEntry](s, TableRosters, IndexID) }

// Transfers lists all transfers by event id.
func (s *Snapshot) Transfers() []*Transfer { return all[Transfer](s, TableTransfers, IndexID) }

// TransfersOf lists a person's transfers in the order they take effect.
func (s *Snapshot) TransfersOf(employeeID string) []*Transfer {
	ts := all[Transfer](s, TableTransfers, IndexEmployee, employeeID)
	slices.SortStableFunc(ts, func(a, b *Transfer) int {
		if a.Effective != b.Effective {
			return int(a.Effective - b.Effective)
		}
		return strings.Compare(a.EventID, b.EventID)
	})
	return ts
}

// AccountsOwnedBy lists the accounts whose owner is employeeID.
// The slice is the graph's own: read it, do not change it.
func (s *Snapshot) AccountsOwnedBy(employeeID string) []*Account {
	if h := first[Holding](s, TableHoldings, IndexID, employeeID); h != nil {
		return h.Accounts
	}
	return nil
}

// AccountsOf lists the accounts of one system, by id.
func (s *Snapshot) AccountsOf(system string) []*Account {
	if sa := first[SystemAccounts](s, TableAccounts, IndexID, system); sa != nil {
		return slices.Clone(sa.Accounts)
	}
	return nil
}

// OwnerlessAccounts lists the accounts that name no owner.
func (s *Snapshot) OwnerlessAccounts() []*Account { return s.AccountsOwnedBy("") }

// OrphanOwners lists, in order, the owner ids that accounts name but that are
// not in people.csv.
func (s *Snapshot) OrphanOwners() []string {
	// Owners and people both in id order, walked side by side: at a million
	// people, a lookup of each owner took a second.
	var owners, people []string
	for _, h := range all[Holding](s, TableHoldings, IndexID) {
		if h.Owner != "" {
			owners = append(owners, h.Owner)
		}
	}
	for _, p := range s.People() {
		people = append(people, p.EmployeeID)
	}
	for _, ids := range [][]string{owners, people} {
		if !slices.IsSorted(ids) { // the index orders ids as Go does, unless one holds a NUL
			slices.Sort(ids)
		}
	}
	var out []string
	j := 0
	for _, o := range owners {
		for j < len(people) && people[j] < o {
			j++
		}
		if j == len(people) || people[j] != o {
			out = append(out, o)
		}
	}
	return out
}

// GrantsOf lists the grants an account holds, by entitlement. The slice is
// the account's own: read it, do not change it.
func (s *Snapshot) GrantsOf(accountKey string) []*Grant {
	if a := s.Account(accountKey); a != nil {
		return a.Grants
	}
	return nil
}

// Grants lists every grant, account by account.
func (s *Snapshot) Grants() []*Grant {
	var out []*Grant
	s.eachAccount(func(a *Account) { out = append(out, a.Grants...) })
	return out
}

// GrantCount is the number of grants.
func (s *Snapshot) GrantCount() int {
	n := 0
	s.eachAccount(func(a *Account) { n += len(a.Grants) })
	return n
}

func (s *Snapshot) eachAccount(fn func(*Account)) {
	it, err := s.txn.Get(TableAccounts, IndexID)
	if err != nil {
		return
	}
	for obj := it.Next(); obj != nil; obj = it.Next() {
		for _, a := range obj.(*SystemAccounts).Accounts {
			fn(a)
		}
	}
}

// AccountCount is the number of accounts.
func (s *Snapshot) AccountCount() int {
	n := 0
	for _, sa := range all[SystemAccounts](s, TableAccounts, IndexID) {
		n += len(sa.Accounts)
	}
	return n
}

// Count is the number of records in a table.
func (s *Snapshot) Count(table string) int {
	it, err := s.txn.Get(table, IndexID)
	if err != nil {
		return 0
	}
	n := 0
	for obj := it.Next(); obj != nil; obj = it.Next() {
		n++
	}
	return n
}

// Assignment is where a person works on a given day.
type Assignment struct {
	Unit    string
	Company string
}

// AssignmentAsOf resolves the person's unit and company on day d: the
// people.csv assignment with every transfer effective on or before d applied.
func (s *Snapshot) AssignmentAsOf(p *Person, d Date) Assignment {
	return s.Career(p).On(d)
}

// Career is a person's assignments over time, read once for several days.
type Career struct {
	s         *Snapshot
	p         *Person
	transfers []*Transfer
	companies map[string]string
}

// Career reads the person's transfers once.
func (s *Snapshot) Career(p *Person) *Career {
	return &Career{s: s, p: p, transfers: s.TransfersOf(p.EmployeeID)}
}

// Warm reads the company of every unit of the career once, so that On only
// reads from then on (and may be called from several goroutines).
func (c *Career) Warm() {
	c.On(0)
	for _, t := range c.transfers {
		c.On(t.Effective)
	}
}

// Moved says whether the person has any transfer (else they were in one
// unit all along).
func (c *Career) Moved() bool { return len(c.transfers) > 0 }

// On is the person's assignment on day d.
func (c *Career) On(d Date) Assignment {
	unit := c.p.Unit
	for _, t := range c.transfers {
		if t.Effective <= d {
			unit = t.ToUnit
		}
	}
	company, ok := c.companies[unit]
	if !ok {
		company = c.p.Company
		if u := c.s.Unit(unit); u != nil {
			company = u.Company
		}
		if c.companies == nil {
			c.companies = map[string]string{}
		}
		c.companies[unit] = company
	}
	return Assignment{Unit: unit, Company: company}
}
