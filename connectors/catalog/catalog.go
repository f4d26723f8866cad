// Package catalog is the one list of the source types accessrecon knows.
// Only cmd imports it (and tests): everything else sees a source through
// its spec and the interfaces its connector implements. Adding a source
// type is adding its package and one line here.
package catalog

import (
	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/entra"
	"github.com/accessrecon/accessrecon/connectors/export"
	"github.com/accessrecon/accessrecon/connectors/github"
	"github.com/accessrecon/accessrecon/connectors/ldap"
	"github.com/accessrecon/accessrecon/connectors/scim"
	"github.com/accessrecon/accessrecon/connectors/smarthr"
	"github.com/accessrecon/accessrecon/connectors/sqldb"
)

// Types are the source types, by the name the config gives them.
var Types = connectors.Types{
	export.Type,
	entra.Type,
	github.Type,
	ldap.Type,
	ldap.LDIFType,
	sqldb.Type,
	scim.Type,
	smarthr.Type,
}
