package ldif

import (
	"strings"
	"testing"
)

// TestLDIFAsDirectoriesWriteIt: the first entry right after the version
// line (RFC 2849), ldapsearch's comments and trailer, attribute options kept
// apart (cn;lang-ja) but ranges and ;binary merged, a value by URL skipped.
func TestLDIFAsDirectoriesWriteIt(t *testing.T) {
	in := `version: 1
dn: uid=alice,ou=people,dc=example,dc=jp
uid: alice
cn: Alice
cn;lang-ja: 佐藤
jpegPhoto:< file:///tmp/alice.jpg

# extended LDIF
dn: cn=big,ou=groups,dc=example,dc=jp
objectClass: group
member;range=0-1: uid=a
member;range=2-*: uid=b

# search result
search: 2
result: 0 Success

# numResponses: 3
`
	var got []*Entry
	if err := Each("x.ldif", strings.NewReader(in), func(e *Entry) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d entries, want 2: %+v", len(got), got)
	}
	if a := got[0]; a.DN != "uid=alice,ou=people,dc=example,dc=jp" || a.Get("cn") != "Alice" || len(a.Values("cn")) != 1 || a.Get("cn;lang-ja") != "佐藤" || a.Get("jpegPhoto") != "" {
		t.Errorf("alice: %+v", a)
	}
	if m := got[1].Values("member"); strings.Join(m, " ") != "uid=a uid=b" {
		t.Errorf("ranged member values: %v", m)
	}
}
