package graph

import memdb "github.com/hashicorp/go-memdb"

// Table names.
const (
	TableCompanies   = "companies"
	TableUnits       = "units"
	TablePeople      = "people"
	TableTransfers   = "transfers"
	TableSystems     = "systems"
	TableAccounts    = "accounts"
	TableGrants      = "grants"
	TableEmergencies = "emergencies"
	TableExceptions  = "exceptions"
)

// Index names.
const (
	// IndexID is every table's primary key.
	IndexID = "id"
	// IndexEmployee finds a person's transfers (current unit as of a date).
	IndexEmployee = "employee"
	// IndexOwner finds the accounts a person owns (the per-person policy input).
	IndexOwner = "owner"
	// IndexAccount finds the grants an account holds.
	IndexAccount = "account"
	// IndexSystem finds the accounts or grants of one system (reset, certification).
	IndexSystem = "system"
	// IndexCompany finds the units of a company.
	IndexCompany = "company"
	// IndexOwnerless finds the accounts with no owner (evaluated one by one).
	IndexOwnerless = "ownerless"
)

// Schema is the go-memdb schema of the graph, one factory per table.
func Schema() *memdb.DBSchema {
	return &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{
		TableCompanies:   companiesTable(),
		TableUnits:       unitsTable(),
		TablePeople:      peopleTable(),
		TableTransfers:   transfersTable(),
		TableSystems:     systemsTable(),
		TableAccounts:    accountsTable(),
		TableGrants:      grantsTable(),
		TableEmergencies: emergenciesTable(),
		TableExceptions:  exceptionsTable(),
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
		IndexID: idIndex("Key"),
		// AllowMissing: ownerless accounts are not in the owner index; the
		// ownerless index finds them.
		IndexOwner: {Name: IndexOwner, AllowMissing: true, Indexer: &memdb.StringFieldIndex{Field: "Owner"}},
		IndexOwnerless: {Name: IndexOwnerless, Indexer: &memdb.ConditionalIndex{Conditional: func(obj any) (bool, error) {
			return obj.(*Account).Owner == "", nil
		}}},
		IndexSystem: {Name: IndexSystem, Indexer: &memdb.StringFieldIndex{Field: "System"}},
	}}
}

func grantsTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: TableGrants, Indexes: map[string]*memdb.IndexSchema{
		IndexID:      idIndex("Key"),
		IndexAccount: {Name: IndexAccount, Indexer: &memdb.StringFieldIndex{Field: "AccountKey"}},
	}}
}

func emergenciesTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: TableEmergencies, Indexes: map[string]*memdb.IndexSchema{
		IndexID: idIndex("ID"),
	}}
}

func exceptionsTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: TableExceptions, Indexes: map[string]*memdb.IndexSchema{
		IndexID: idIndex("ID"),
	}}
}
