package ldap

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"io"
	"log/slog"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/accessrecon/accessrecon/graph"
)

// pullLDIF reads an LDIF export with cfg into a new graph.
func pullLDIF(t *testing.T, cfg Config, ldifText string) (*graph.Snapshot, error) {
	t.Helper()
	src, err := NewLDIF("corp", cfg, fstest.MapFS{"dir.ldif": {Data: []byte(ldifText)}}, "dir.ldif", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	g := graph.New()
	w := g.Writer()
	if _, err := src.Pull(context.Background(), w); err != nil {
		w.Abort()
		return nil, err
	}
	w.Commit()
	return g.Snapshot(), nil
}

// sid is the binary objectSid S-1-5-21-1-2-3-rid, base64 as an export has it.
func sid(rid uint32) string {
	b := []byte{1, 5, 0, 0, 0, 0, 0, 5}
	for _, sub := range []uint32{21, 1, 2, 3, rid} {
		b = binary.LittleEndian.AppendUint32(b, sub)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// TestAnADExportKeepsPrimaryGroupsAndMemberOf: an Active Directory export
// read as a directory: a right held through the primary group
// (primaryGroupID, the group named by its objectSid's RID) and through
// memberOf alone is kept, the bitwise filter on userAccountControl is
// evaluated (the disabled account is left out), and a comment folded over
// two lines is not glued to the value before it.
func TestAnADExportKeepsPrimaryGroupsAndMemberOf(t *testing.T) {
	cfg := Config{Directory: DirectoryAD, AccountBase: "ou=staff,dc=corp", GroupBase: "ou=groups,dc=corp",
		AccountFilter: "(&(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))"}
	export := `dn: cn=app-users,ou=groups,dc=corp
objectClass: top
objectClass: group
cn: app-users
objectSid:: ` + sid(1105) + `

dn: cn=app-admins,ou=groups,dc=corp
objectClass: group
cn: app-admins
objectSid:: ` + sid(1106) + `

dn: cn=sato,ou=staff,dc=corp
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: user
sAMAccountName: sato
employeeID: E1001
# a comment that an export tool folded
  over two lines
userAccountControl: 512
primaryGroupID: 1105
memberOf: cn=app-admins,ou=groups,dc=corp

dn: cn=gone,ou=staff,dc=corp
objectClass: user
sAMAccountName: gone
userAccountControl: 514
`
	snap, err := pullLDIF(t, cfg, export)
	if err != nil {
		t.Fatal(err)
	}
	got := grantsOf(snap, "ldap:corp", "sato")
	if !strings.Contains(got, "group:app-users") || !strings.Contains(got, "group:app-admins") {
		t.Errorf("sato's rights %q: the primary group and memberOf are lost", got)
	}
	if a := snap.Account(graph.AccountKey("ldap:corp", "sato")); a == nil || a.Owner != "E1001" {
		t.Errorf("sato %+v: the folded comment was glued to a value", a)
	}
	if snap.Account(graph.AccountKey("ldap:corp", "gone")) != nil {
		t.Error("the bitwise filter let a disabled account (userAccountControl 514) in")
	}
}

// TestLDIFObjectClassesInheritAsInTheSchema: OpenLDAPperson entries are
// inetOrgPerson entries (and persons) to a server: the default filter
// (objectClass=inetOrgPerson) takes them from an export too.
func TestLDIFObjectClassesInheritAsInTheSchema(t *testing.T) {
	export := `dn: uid=kato,ou=people,dc=corp
objectClass: OpenLDAPperson
uid: kato
employeeNumber: E1002
`
	snap, err := pullLDIF(t, Config{AccountBase: "ou=people,dc=corp", GroupBase: "ou=groups,dc=corp"}, export)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Account(graph.AccountKey("ldap:corp", "kato")) == nil {
		t.Error("an OpenLDAPperson entry is not an inetOrgPerson to the offline filter")
	}
}

// TestAnLDIFExportWithPartOfAGroupIsRefused: member;range=0-1499 with no
// further range is 1,500 members of a larger group: refused, naming the
// group and the range; an attribute read by accessrecon given by URL is
// refused; one it does not read is counted.
func TestAnLDIFExportWithPartOfAGroupIsRefused(t *testing.T) {
	base := Config{AccountBase: "ou=people,dc=corp", GroupBase: "ou=groups,dc=corp"}
	_, err := pullLDIF(t, base, `dn: cn=big,ou=groups,dc=corp
objectClass: groupOfNames
cn: big
member;range=0-1499: uid=a,ou=people,dc=corp
`)
	if err == nil || !strings.Contains(err.Error(), "dir.ldif:1: cn=big,ou=groups,dc=corp: the export holds only the members in member;range=0-1499") {
		t.Errorf("a partial group: %v", err)
	}
	if _, err := pullLDIF(t, base, `dn: cn=big,ou=groups,dc=corp
objectClass: groupOfNames
cn: big
member;range=0-1499: uid=a,ou=people,dc=corp
member;range=1500-*: uid=b,ou=people,dc=corp
`); err != nil {
		t.Errorf("every range of a group: %v", err)
	}
	_, err = pullLDIF(t, base, `dn: uid=x,ou=people,dc=corp
objectClass: inetOrgPerson
uid: x
employeeNumber:< file:///tmp/owner
`)
	if err == nil || !strings.Contains(err.Error(), "attribute employeenumber has its value by URL") {
		t.Errorf("an owner by URL: %v", err)
	}
	if _, err := pullLDIF(t, base, `dn: uid=x,ou=people,dc=corp
objectClass: inetOrgPerson
uid: x
jpegPhoto:< file:///tmp/x.jpg
`); err != nil {
		t.Errorf("a photo by URL: %v", err)
	}
}
