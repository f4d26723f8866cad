package graph

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/accessrecon/accessrecon/i18n"
	memdb "github.com/hashicorp/go-memdb"
)

// Sentinel errors of the writer; callers add the file position.
var (
	ErrDuplicate        = errors.New("duplicate")
	ErrUnknownReference = errors.New("unknown reference")
	// ErrUnknownAccount is the ErrUnknownReference of a grant whose account
	// has not been written.
	ErrUnknownAccount = i18n.Errorf("%w: no such account", ErrUnknownReference)
)

// batchSize is how many inserts go into one write transaction. go-memdb's
// radix tree keeps a cache of the nodes a transaction may change in place;
// committing every few thousand objects keeps unsorted inserts within it.
// Accounts are inserted in key order when the writer commits (their grants
// arrive after them), which keeps the tree's path in the cache however many
// there are.
const batchSize = 4096

// Graph is the in-memory model. Build it with a Writer, read it with a Snapshot.
type Graph struct {
	db *memdb.MemDB
}

// New returns an empty graph.
func New() *Graph {
	db, err := memdb.NewMemDB(Schema())
	if err != nil {
		// The schema is a constant of this package; an error is a programming error.
		panic(fmt.Sprintf("graph: invalid schema: %v", err))
	}
	// The graph has no watchers. A snapshot of an empty database is a
	// database of its own whose write transactions do not track mutated
	// nodes for watch channels; with tracking on, every commit of more than
	// 8,192 changed nodes walks the whole index tree (iradix slowNotify),
	// which made bulk loads quadratic.
	return &Graph{db: db.Snapshot()}
}

// Clone is a copy of the graph that can be written without changing the
// original (go-memdb snapshots share the unchanged tree).
func (g *Graph) Clone() *Graph { return &Graph{db: g.db.Snapshot()} }

// Writer bulk-loads records in batches, checking uniqueness and references.
// It is not safe for concurrent use: go-memdb has one writer at a time.
//
// Lookups never go to the write transaction: a read inside a go-memdb write
// transaction clones the index tree and drops its cache of writable nodes,
// so each later insert would copy its whole path again. They go to what
// this writer wrote (kept by primary key; accounts until they are inserted)
// and to a read view of what was committed before.
type Writer struct {
	db      *memdb.MemDB
	txn     *memdb.Txn
	before  *memdb.Txn      // read view as of the last commit
	empty   map[string]bool // tables with no record in before (no lookup needed)
	pending int
	written map[string]map[string]any // table → primary key → record
	// accounts are written but not yet inserted: AddGrant appends to them
	// in place until Commit inserts them.
	accounts map[string]*Account
	staged   []*Account // accounts' values in the order they were written
	// lastSystem is the system looked up last: a source's rows come system
	// by system.
	lastSystem *System
	keyBuf     []byte
	// lastKey and lastAccount are the account writable found last: a
	// source's grants come account by account, most often.
	lastKey     []byte
	lastAccount *Account
	// entsOf's entitlements, as a set, when it has many (AddGrant checks
	// every grant's).
	entsOf *System
	ents   map[string]struct{}
}

// Writer starts a bulk load. Call Commit when done or Abort to discard the
// uncommitted part. The write transaction (go-memdb allows one at a time) is
// opened on the first write and closed by Commit or Abort.
func (g *Graph) Writer() *Writer {
	return &Writer{db: g.db, before: g.db.Txn(false), empty: map[string]bool{}, written: map[string]map[string]any{}, accounts: map[string]*Account{}}
}

func (w *Writer) tx() *memdb.Txn {
	if w.txn == nil {
		w.txn = w.db.Txn(true)
	}
	return w.txn
}

func primaryKey(obj any) string {
	switch o := obj.(type) {
	case *Company:
		return o.ID
	case *Unit:
		return o.ID
	case *Person:
		return o.EmployeeID
	case *Transfer:
		return o.EventID
	case *System:
		return o.ID
	case *Emergency:
		return o.ID
	case *Exception:
		return o.ID
	case *RosterEntry:
		return o.ID
	case *DutyConflict:
		return o.ID
	}
	panic(fmt.Sprintf("graph: no primary key for %T", obj))
}

// Commit makes everything written so far visible to snapshots.
func (w *Writer) Commit() {
	w.lastAccount = nil
	if len(w.accounts) > 0 {
		w.commitAccounts()
		clear(w.accounts)
	}
	if w.txn != nil {
		w.txn.Commit()
		w.txn = nil
	}
	w.pending = 0
	w.before = w.db.Txn(false)
	clear(w.empty)
}

// commitAccounts inserts the written accounts: each system's list, and each
// owner's holding, merged with what was committed before.
func (w *Writer) commitAccounts() {
	txn := w.tx()
	staged := w.staged
	w.staged = nil
	var owners *grouping
	var wg sync.WaitGroup
	wg.Go(func() {
		owners = groupBy(staged, func(a *Account) string { return a.Owner })
		owners.sortKeys()
		for _, accts := range owners.groups {
			if !slices.IsSortedFunc(accts, byKey) {
				slices.SortFunc(accts, byKey)
			}
		}
	})
	systems := groupBy(staged, func(a *Account) string { return a.System })
	for _, g := range systems.groups {
		wg.Go(func() { sortByID(g) }) // within a system, key order is ID order
	}
	systems.sortKeys()
	wg.Wait()
	for i, g := range systems.groups {
		accts := g
		if !w.isEmpty(TableAccounts) {
			if cur, _ := w.before.First(TableAccounts, IndexID, systems.keys[i]); cur != nil {
				accts = mergeAccounts(cur.(*SystemAccounts).Accounts, accts)
			}
		}
		mustInsert(txn, TableAccounts, &SystemAccounts{System: systems.keys[i], Accounts: accts})
	}
	for i, accts := range owners.groups {
		if !w.isEmpty(TableHoldings) {
			if cur, _ := w.before.First(TableHoldings, IndexID, owners.keys[i]); cur != nil {
				accts = mergeAccounts(cur.(*Holding).Accounts, accts)
			}
		}
		mustInsert(txn, TableHoldings, &Holding{Owner: owners.keys[i], Accounts: accts})
	}
}

// grouping is accounts grouped by a key: groups[i] are those of keys[i], in
// the order they were written.
type grouping struct {
	keys   []string
	groups [][]*Account
}

// groupBy groups accounts by key. The groups share one array, filled by
// counting first, so that millions of accounts make no slices that grow.
// Accounts come system by system or owner by owner, so most of them have
// the key of the one before and need no lookup.
func groupBy(accts []*Account, key func(*Account) string) *grouping {
	index := map[string]int{}
	var keys []string
	var counts []int
	of := make([]int32, len(accts))
	last, g := "", -1
	for i, a := range accts {
		if k := key(a); g < 0 || k != last {
			j, ok := index[k]
			if !ok {
				j = len(keys)
				index[k] = j
				keys = append(keys, k)
				counts = append(counts, 0)
			}
			last, g = k, j
		}
		of[i] = int32(g)
		counts[g]++
	}
	all := make([]*Account, len(accts))
	groups := make([][]*Account, len(keys))
	next := make([]int, len(keys))
	start := 0
	for j, n := range counts {
		groups[j] = all[start : start+n : start+n]
		next[j] = start
		start += n
	}
	for i, a := range accts {
		all[next[of[i]]] = a
		next[of[i]]++
	}
	return &grouping{keys: keys, groups: groups}
}

// sortKeys puts the groups in key order.
func (g *grouping) sortKeys() {
	type entry struct {
		key   string
		group []*Account
	}
	es := make([]entry, len(g.keys))
	for i, k := range g.keys {
		es[i] = entry{k, g.groups[i]}
	}
	if slices.IsSortedFunc(es, func(x, y entry) int { return strings.Compare(x.key, y.key) }) {
		return
	}
	slices.SortFunc(es, func(x, y entry) int { return strings.Compare(x.key, y.key) })
	for i, e := range es {
		g.keys[i], g.groups[i] = e.key, e.group
	}
}

// sortByID sorts accounts by ID, comparing IDs kept beside the pointers
// rather than reached through them.
func sortByID(accts []*Account) {
	if slices.IsSortedFunc(accts, byID) {
		return
	}
	type entry struct {
		id string
		a  *Account
	}
	es := make([]entry, len(accts))
	for i, a := range accts {
		es[i] = entry{a.ID, a}
	}
	slices.SortFunc(es, func(x, y entry) int { return strings.Compare(x.id, y.id) })
	for i, e := range es {
		accts[i] = e.a
	}
}

func byID(a, b *Account) int { return strings.Compare(a.ID, b.ID) }

func byKey(a, b *Account) int { return strings.Compare(a.Key, b.Key) }

// mustInsert inserts a record the writer has checked; go-memdb fails only on
// a record of a type the table's indexers do not know, a programming error.
func mustInsert(txn *memdb.Txn, table string, obj any) {
	if err := txn.Insert(table, obj); err != nil {
		panic(fmt.Sprintf("graph: insert into %s: %v", table, err))
	}
}

// mergeAccounts is cur with the accounts of next (sorted by key) added or,
// for the same key, replaced; sorted by key.
func mergeAccounts(cur, next []*Account) []*Account {
	out := make([]*Account, 0, len(cur)+len(next))
	i, j := 0, 0
	for i < len(cur) || j < len(next) {
		switch {
		case j == len(next) || (i < len(cur) && cur[i].Key < next[j].Key):
			out = append(out, cur[i])
			i++
		case i == len(cur) || next[j].Key < cur[i].Key:
			out = append(out, next[j])
			j++
		default: // same key: the new version
			out = append(out, next[j])
			i++
			j++
		}
	}
	return out
}

// Abort discards what was written since the last commit.
func (w *Writer) Abort() {
	w.lastAccount = nil
	if w.txn != nil {
		w.txn.Abort()
		w.txn = nil
	}
	w.pending = 0
	w.written = map[string]map[string]any{}
	clear(w.accounts)
	w.staged = nil
	w.lastSystem = nil
	w.before = w.db.Txn(false)
	clear(w.empty)
}

func (w *Writer) insert(table string, obj any) error {
	if table == TableSystems {
		w.lastSystem = nil
	}
	if err := w.tx().Insert(table, obj); err != nil {
		return i18n.Errorf("graph: insert into %s: %w", table, err)
	}
	w.remember(table, obj)
	w.pending++
	if w.pending >= batchSize {
		w.Commit()
	}
	return nil
}

func (w *Writer) remember(table string, obj any) {
	m := w.written[table]
	if m == nil {
		m = map[string]any{}
		w.written[table] = m
	}
	m[primaryKey(obj)] = obj
}

// Exists reports whether a record with that primary key has been written.
func (w *Writer) Exists(table, id string) bool { return w.exists(table, id) }

func (w *Writer) exists(table, id string) bool {
	if table == TableSystems {
		return w.system(id) != nil
	}
	return w.get(table, id) != nil
}

// system is the system with that id that has been written, or nil.
func (w *Writer) system(id string) *System {
	if s := w.lastSystem; s != nil && s.ID == id {
		return s
	}
	s, _ := w.get(TableSystems, id).(*System)
	if s != nil {
		w.lastSystem = s
	}
	return s
}

func (w *Writer) get(table, id string) any {
	if table == TableAccounts {
		if a, ok := w.accounts[id]; ok {
			return a
		}
	}
	if obj, ok := w.written[table][id]; ok {
		return obj
	}
	if w.isEmpty(table) {
		return nil
	}
	if table == TableAccounts {
		if a := accountIn(w.before, id); a != nil {
			return a
		}
		return nil
	}
	obj, err := w.before.First(table, IndexID, id)
	if err != nil {
		return nil
	}
	return obj
}

// IDs are the ids of a table's records, committed or written since (for
// errors that suggest the id meant; not for accounts).
func (w *Writer) IDs(table string) []string {
	var ids []string
	for id := range w.written[table] {
		ids = append(ids, id)
	}
	if it, err := w.before.Get(table, IndexID); err == nil {
		for obj := it.Next(); obj != nil; obj = it.Next() {
			switch r := obj.(type) {
			case *Unit:
				ids = append(ids, r.ID)
			case *Company:
				ids = append(ids, r.ID)
			case *Person:
				ids = append(ids, r.EmployeeID)
			case *System:
				ids = append(ids, r.ID)
			}
		}
	}
	return ids
}

// isEmpty reports whether the table had no record at the last commit.
func (w *Writer) isEmpty(table string) bool {
	empty, known := w.empty[table]
	if !known {
		first, err := w.before.First(table, IndexID)
		empty = err == nil && first == nil
		w.empty[table] = empty
	}
	return empty
}

// accountIn finds the account with key SYSTEM/ACCOUNT in txn: in the record
// of its system (tried at each "/", since a system id may contain one).
func accountIn(txn *memdb.Txn, key string) *Account {
	for i := 0; i < len(key); i++ {
		if key[i] == '/' {
			if a := accountOf(txn, key[:i], key[i+1:]); a != nil {
				return a
			}
		}
	}
	return nil
}

// accountOf finds a system's account by id (in id order within the system).
func accountOf(txn *memdb.Txn, system, id string) *Account {
	obj, err := txn.First(TableAccounts, IndexID, system)
	if err != nil || obj == nil {
		return nil
	}
	accts := obj.(*SystemAccounts).Accounts
	if j, ok := slices.BinarySearchFunc(accts, id, func(a *Account, id string) int { return strings.Compare(a.ID, id) }); ok {
		return accts[j]
	}
	return nil
}

func unknown(what, id string) error {
	return i18n.Errorf("%w: unknown %s %q", ErrUnknownReference, what, id)
}

func duplicate(what, id string) error {
	return i18n.Errorf("%w: %s %q appears twice", ErrDuplicate, what, id)
}

// AddCompany adds a company.
func (w *Writer) AddCompany(c *Company) error {
	if w.exists(TableCompanies, c.ID) {
		return duplicate("company", c.ID)
	}
	return w.insert(TableCompanies, c)
}

// AddUnit adds a unit of an existing company.
func (w *Writer) AddUnit(u *Unit) error {
	if w.exists(TableUnits, u.ID) {
		return duplicate("unit", u.ID)
	}
	if !w.exists(TableCompanies, u.Company) {
		return unknown("company", u.Company)
	}
	return w.insert(TableUnits, u)
}

// AddPerson adds a person assigned to an existing unit of their company.
// UnitCompany is the company of a unit written already; "" for a unit there
// is not.
func (w *Writer) UnitCompany(id string) string {
	if u, _ := w.get(TableUnits, id).(*Unit); u != nil {
		return u.Company
	}
	return ""
}

func (w *Writer) AddPerson(p *Person) error {
	if w.exists(TablePeople, p.EmployeeID) {
		return duplicate("employee_id", p.EmployeeID)
	}
	u, _ := w.get(TableUnits, p.Unit).(*Unit)
	if u == nil {
		return unknown("unit", p.Unit)
	}
	if p.Company != "" && u.Company != p.Company {
		return i18n.Errorf("%w: unit %q belongs to company %q, not %q", ErrUnknownReference, p.Unit, u.Company, p.Company)
	}
	if p.Company == "" {
		p.Company = u.Company // an export without the company: the unit's
	}
	return w.insert(TablePeople, p)
}

// AddTransfer adds a transfer of an existing person between existing units.
func (w *Writer) AddTransfer(t *Transfer) error {
	if w.exists(TableTransfers, t.EventID) {
		return duplicate("event_id", t.EventID)
	}
	if !w.exists(TablePeople, t.EmployeeID) {
		return unknown("employee_id", t.EmployeeID)
	}
	if !w.exists(TableUnits, t.FromUnit) {
		return unknown("unit", t.FromUnit)
	}
	if !w.exists(TableUnits, t.ToUnit) {
		return unknown("unit", t.ToUnit)
	}
	return w.insert(TableTransfers, t)
}

// AddSystem adds a system whose owner unit exists.
func (w *Writer) AddSystem(s *System) error {
	if w.exists(TableSystems, s.ID) {
		return duplicate("system", s.ID)
	}
	if s.Owner != "" && !w.exists(TableUnits, s.Owner) {
		return unknown("unit", s.Owner)
	}
	for _, c := range s.ConfidentialTo {
		if !w.exists(TableCompanies, c) {
			return unknown("company", c)
		}
	}
	for _, e := range s.Entitlements {
		for _, u := range e.AllowedUnits {
			if !w.exists(TableUnits, u) {
				return unknown("unit", u)
			}
		}
	}
	return w.insert(TableSystems, s)
}

// AddAccount adds an account on an existing system.
func (w *Writer) AddAccount(a *Account) error {
	a.Key = AccountKey(a.System, a.ID)
	if w.system(a.System) == nil {
		return unknown("system", a.System)
	}
	if w.accounts[a.Key] != nil || w.committedAccount(a.Key) != nil {
		return duplicate("account", a.Key)
	}
	w.accounts[a.Key] = a
	w.staged = append(w.staged, a)
	return nil
}

// committedAccount is the account with that key committed before, or nil.
func (w *Writer) committedAccount(key string) *Account {
	if w.isEmpty(TableAccounts) {
		return nil
	}
	return accountIn(w.before, key)
}

// ReserveAccounts makes room for about n more accounts before the next
// commit: the writer's index of a large source's accounts then grows once,
// not step by step. It is only a hint.
func (w *Writer) ReserveAccounts(n int) {
	if n <= len(w.accounts) {
		return
	}
	m := make(map[string]*Account, len(w.accounts)+n)
	maps.Copy(m, w.accounts)
	w.accounts = m
	w.staged = slices.Grow(w.staged, n)
}

// AddGrant adds a grant of a known entitlement to an existing account.
func (w *Writer) AddGrant(g *Grant) error {
	sys := w.system(g.System)
	if sys == nil {
		return unknown("system", g.System)
	}
	if !w.hasEntitlement(sys, g.Entitlement) {
		return i18n.Errorf("%w: system %q has no entitlement %q", ErrUnknownReference, g.System, g.Entitlement)
	}
	a := w.writable(g.System, g.Account)
	if a == nil {
		return i18n.Errorf("%w: %q on system %q", ErrUnknownAccount, g.Account, g.System)
	}
	if prev := a.Grant(g.Entitlement); prev != nil {
		if slices.Contains(prev.Sources(), g.Source) {
			return duplicate("grant", g.Key())
		}
		// The same right reported by another source (a file export and a
		// directory group, say): one grant that both sources hold, so that
		// a revoke goes through both, with the stricter origin.
		prev.Source += "," + g.Source
		if originRank(g.Origin) > originRank(prev.Origin) {
			prev.Origin = g.Origin
		}
		if g.Via != "" && prev.Via != g.Via {
			prev.Via = strings.Trim(prev.Via+"; "+g.Via, "; ")
		}
		return nil
	}
	i, _ := slices.BinarySearchFunc(a.Grants, g.Entitlement, func(x *Grant, e string) int { return strings.Compare(x.Entitlement, e) })
	a.Grants = slices.Insert(a.Grants, i, g)
	return nil
}

// HasGrant reports whether the account holds the entitlement in what has
// been written.
func (w *Writer) HasGrant(system, account, entitlement string) bool {
	a, _ := w.get(TableAccounts, AccountKey(system, account)).(*Account)
	return a != nil && a.Grant(entitlement) != nil
}

// writable is the account with that key that this writer may change: one
// not inserted yet, or a copy of one committed before.
// hasEntitlement reports whether sys has the entitlement: a set of a
// system with many, kept while the same system is written.
func (w *Writer) hasEntitlement(sys *System, id string) bool {
	if len(sys.Entitlements) < 16 {
		return slices.ContainsFunc(sys.Entitlements, func(e Entitlement) bool { return e.ID == id })
	}
	if w.entsOf != sys {
		w.entsOf, w.ents = sys, make(map[string]struct{}, len(sys.Entitlements))
		for _, e := range sys.Entitlements {
			w.ents[e.ID] = struct{}{}
		}
	}
	_, ok := w.ents[id]
	return ok
}

func (w *Writer) writable(system, id string) *Account {
	// The key is put together in a buffer: a lookup by string(bytes) does not
	// allocate, and a source writes millions of grants.
	w.keyBuf = append(append(append(w.keyBuf[:0], system...), '/'), id...)
	if w.lastAccount != nil && string(w.keyBuf) == string(w.lastKey) {
		return w.lastAccount
	}
	if a, ok := w.accounts[string(w.keyBuf)]; ok {
		w.lastKey, w.lastAccount = append(w.lastKey[:0], w.keyBuf...), a
		return a
	}
	if w.isEmpty(TableAccounts) {
		return nil
	}
	key := string(w.keyBuf)
	cur := accountIn(w.before, key)
	if cur == nil {
		return nil
	}
	c := *cur
	c.Grants = slices.Clone(cur.Grants)
	w.accounts[key] = &c
	w.staged = append(w.staged, &c)
	w.lastKey, w.lastAccount = append(w.lastKey[:0], w.keyBuf...), &c
	return &c
}

// AddEmergency adds an emergency window over existing systems and companies.
func (w *Writer) AddEmergency(e *Emergency) error {
	if w.exists(TableEmergencies, e.ID) {
		return duplicate("emergency", e.ID)
	}
	for _, s := range e.Systems {
		if !w.exists(TableSystems, s) {
			return unknown("system", s)
		}
	}
	for _, c := range e.Companies {
		if !w.exists(TableCompanies, c) {
			return unknown("company", c)
		}
	}
	return w.insert(TableEmergencies, e)
}

// AddRosterEntry adds a roster entry of an existing person and system.
func (w *Writer) AddRosterEntry(r *RosterEntry) error {
	r.ID = r.Person + "/" + r.System + "/" + r.ApprovedOn.String()
	if w.exists(TableRosters, r.ID) {
		return duplicate("roster entry", r.ID)
	}
	if !w.exists(TablePeople, r.Person) {
		return unknown("employee_id", r.Person)
	}
	if !w.exists(TableSystems, r.System) {
		return unknown("system", r.System)
	}
	return w.insert(TableRosters, r)
}

// AddDutyConflict adds a pair of rights of existing systems that one
// person must not hold together.
func (w *Writer) AddDutyConflict(d *DutyConflict) error {
	d.ID = d.A + " | " + d.B
	if w.exists(TableDuties, d.ID) || w.exists(TableDuties, d.B+" | "+d.A) {
		return duplicate("pair of rights", d.ID)
	}
	for _, r := range []string{d.A, d.B} {
		system, _, _ := strings.Cut(r, "/")
		if !w.exists(TableSystems, system) {
			return unknown("system", system)
		}
	}
	return w.insert(TableDuties, d)
}

// AddException adds a registered exception for an existing system.
func (w *Writer) AddException(x *Exception) error {
	if w.exists(TableExceptions, x.ID) {
		return duplicate("exception", x.ID)
	}
	if !w.exists(TableSystems, x.System) {
		return unknown("system", x.System)
	}
	return w.insert(TableExceptions, x)
}

// DeclareEntitlements makes sure a system exists and has the entitlements:
// sources whose rights are discovered (GitHub teams, directory groups) add
// them, without role model, to what systems.yaml says.
func (w *Writer) DeclareEntitlements(system, name string, ids []string) error {
	cur, _ := w.get(TableSystems, system).(*System)
	next := &System{ID: system, Name: name}
	if cur != nil {
		c := *cur
		c.Entitlements = slices.Clone(cur.Entitlements)
		next = &c
	}
	changed := cur == nil
	for _, id := range ids {
		if !slices.ContainsFunc(next.Entitlements, func(e Entitlement) bool { return e.ID == id }) {
			next.Entitlements = append(next.Entitlements, Entitlement{ID: id})
			changed = true
		}
	}
	if !changed {
		return nil
	}
	return w.insert(TableSystems, next)
}
