package graph

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
)

// Table names.
const (
	TableCompanies   = "companies"
	TableUnits       = "units"
	TablePeople      = "people"
	TableTransfers   = "transfers"
	TableSystems     = "systems"
	TableAccounts    = "accounts"
	TableHoldings    = "holdings"
	TableEmergencies = "emergencies"
	TableExceptions  = "exceptions"
	TableRosters     = "rosters"
	TableDuties      = "duties"
)

// Index names.
const (
	// IndexID is every table's primary key.
	IndexID = "id"
	// IndexEmployee finds a person's transfers (current unit as of a date).
	IndexEmployee = "employee"
	// IndexCompany finds the units of a company.
	IndexCompany = "company"
)

// The graph keeps few index entries per record: each is a path of radix-tree
// nodes, and at a million grants they are most of the heap and of the load
// time. Grants live inside their account (an account's rights are read
// together), the accounts of a system are a prefix of the primary key, and
// the accounts of one owner are one holdings record (owner "" holds the
// ownerless accounts) rather than an index entry per account.

// Schema is the go-memdb schema of the graph, one factory per table.
func Schema() *memdb.DBSchema {
	return &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{
		TableCompanies:   companiesTable(),
		TableUnits:       unitsTable(),
		TablePeople:      peopleTable(),
		TableTransfers:   transfersTable(),
		TableSystems:     systemsTable(),
		TableAccounts:    accountsTable(),
		TableHoldings:    holdingsTable(),
		TableEmergencies: emergenciesTable(),
		TableExceptions:  exceptionsTable(),
		TableRosters:     rostersTable(),
		TableDuties:      dutiesTable(),
	}}
}

func idIndex(field string) *memdb.IndexSchema {
	return &memdb.IndexSchema{Name: IndexID, Unique: true, Indexer: &memdb.StringFieldIndex{Field: field}}
}

func companiesTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: TableCompanies, Indexes: map[string]*memdb.IndexSchema{
		IndexID: idIndex("ID"),
	}}
}

func unitsTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: TableUnits, Indexes: map[string]*memdb.IndexSchema{
		IndexID:      idIndex("ID"),
		IndexCompany: {Name: IndexCompany, Indexer: &memdb.StringFieldIndex{Field: "Company"}},
	}}
}

func peopleTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: TablePeople, Indexes: map[string]*memdb.IndexSchema{
		IndexID: idIndex("EmployeeID"),
	}}
}

func transfersTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: TableTransfers, Indexes: map[string]*memdb.IndexSchema{
		IndexID:       idIndex("EventID"),
		IndexEmployee: {Name: IndexEmployee, Indexer: &memdb.StringFieldIndex{Field: "EmployeeID"}},
	}}
}

func systemsTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: TableSystems, Indexes: map[string]*memdb.IndexSchema{
		IndexID: idIndex("ID"),
	}}
}

func accountsTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: TableAccounts, Indexes: map[string]*memdb.IndexSchema{
		IndexID: idIndex("System"),
	}}
}

func holdingsTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: TableHoldings, Indexes: map[string]*memdb.IndexSchema{
		IndexID: {Name: IndexID, Unique: true, Indexer: ownerIndex{}},
	}}
}

// ownerIndex indexes holdings by owner, the empty owner included (go-memdb's
// StringFieldIndex leaves empty values out).
type ownerIndex struct{}

func (ownerIndex) FromObject(obj any) (bool, []byte, error) {
	h, ok := obj.(*Holding)
	if !ok {
		return false, nil, fmt.Errorf("graph: owner index of %T", obj)
	}
	return true, []byte(h.Owner + "\x00"), nil
}

func (ownerIndex) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("graph: owner index takes one argument, got %d", len(args))
	}
	owner, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("graph: owner index argument must be a string, got %T", args[0])
	}
	return []byte(owner + "\x00"), nil
}

func emergenciesTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: TableEmergencies, Indexes: map[string]*memdb.IndexSchema{
		IndexID: idIndex("ID"),
	}}
}

func rostersTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: TableRosters, Indexes: map[string]*memdb.IndexSchema{
		IndexID: idIndex("ID"),
	}}
}

func dutiesTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: TableDuties, Indexes: map[string]*memdb.IndexSchema{
		IndexID: idIndex("ID"),
	}}
}

func exceptionsTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: TableExceptions, Indexes: map[string]*memdb.IndexSchema{
		IndexID: idIndex("ID"),
	}}
}
