package adtest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/ldap"
	"github.com/accessrecon/accessrecon/graph"
	goldap "github.com/go-ldap/ldap/v3"
)

func TestMain(m *testing.M) { os.Exit(Run(m)) }

// seed is a small utility's directory: 2,000 staff (more than the 1,500
// values Active Directory gives of a member attribute at once), one of them
// disabled (userAccountControl 514), one with other flags set, a group of
// all staff nested in the group that gives the portal's user right, a
// directly held takuso right, and teams nested three deep under the group
// of saiene's viewer right, the deepest holding the first again (a cycle,
// closed by cycleLDIF).
func seed() string {
	var b strings.Builder
	fmt.Fprintf(&b, "dn: OU=staff,%s\nobjectClass: organizationalUnit\nou: staff\n\n", Base)
	fmt.Fprintf(&b, "dn: OU=groups,%s\nobjectClass: organizationalUnit\nou: groups\n\n", Base)
	for i := range staff {
		uac := 512 // NORMAL_ACCOUNT
		switch i {
		case 3:
			uac = 514 // and ACCOUNTDISABLE
		case 6:
			uac = 66048 // and DONT_EXPIRE_PASSWD
		}
		expires := "9223372036854775807" // never
		if i == 7 {
			expires = "133000000000000000" // 2022-06-15: expired
		}
		fmt.Fprintf(&b, "dn: CN=user%04d,OU=staff,%s\nobjectClass: user\nsAMAccountName: user%04d\nemployeeID: E%d\nuserAccountControl: %d\naccountExpires: %s\n\n", i, Base, i, 1000+i, uac, expires)
	}
	fmt.Fprintf(&b, "dn: CN=all-staff,OU=groups,%s\nobjectClass: group\nsAMAccountName: all-staff\n", Base)
	for i := range staff {
		fmt.Fprintf(&b, "member: CN=user%04d,OU=staff,%s\n", i, Base)
	}
	fmt.Fprintf(&b, "\ndn: CN=app-portal-user,OU=groups,%s\nobjectClass: group\nsAMAccountName: app-portal-user\nmember: CN=all-staff,OU=groups,%s\n\n", Base, Base)
	fmt.Fprintf(&b, "dn: CN=app-takuso-viewer,OU=groups,%s\nobjectClass: group\nsAMAccountName: app-takuso-viewer\nmember: CN=user0001,OU=staff,%s\nmember: CN=user0002,OU=staff,%s\n\n", Base, Base, Base)
	fmt.Fprintf(&b, "dn: CN=team-c,OU=groups,%s\nobjectClass: group\nsAMAccountName: team-c\nmember: CN=user0020,OU=staff,%s\n\n", Base, Base)
	fmt.Fprintf(&b, "dn: CN=team-b,OU=groups,%s\nobjectClass: group\nsAMAccountName: team-b\nmember: CN=team-c,OU=groups,%s\nmember: CN=user0021,OU=staff,%s\n\n", Base, Base, Base)
	fmt.Fprintf(&b, "dn: CN=team-a,OU=groups,%s\nobjectClass: group\nsAMAccountName: team-a\nmember: CN=team-b,OU=groups,%s\n\n", Base, Base)
	fmt.Fprintf(&b, "dn: CN=app-saiene-viewer,OU=groups,%s\nobjectClass: group\nsAMAccountName: app-saiene-viewer\nmember: CN=user0010,OU=staff,%s\nmember: CN=team-a,OU=groups,%s\n\n", Base, Base, Base)
	return b.String()
}

// staff is how many users the seed has.
const staff = 2000

// cycleLDIF puts team-a into team-c, which team-a holds through team-b.
func cycleLDIF() string {
	return fmt.Sprintf("dn: CN=team-c,OU=groups,%s\nchangetype: modify\nadd: member\nmember: CN=team-a,OU=groups,%s\n-\n", Base, Base)
}

var startOnce sync.Once

func dc(t *testing.T) {
	t.Helper()
	startOnce.Do(func() { Start(Shared{t}, seed(), cycleLDIF()) })
}

func source(t *testing.T) *ldap.Source {
	t.Helper()
	return sourceWith(t, func(*ldap.Config) {})
}

func configOf(t *testing.T, change func(*ldap.Config)) ldap.Config {
	t.Helper()
	dc(t)
	cfg := ldap.Config{URL: URL, BindDN: Admin, Password: Password, Directory: ldap.DirectoryAD, PageSize: 500,
		AccountBase: "OU=staff," + Base, GroupBase: "OU=groups," + Base,
		Mappings: []ldap.Mapping{{Pattern: "app-{system}-{entitlement}"}}}
	change(&cfg)
	return cfg
}

func sourceWith(t *testing.T, change func(*ldap.Config)) *ldap.Source {
	t.Helper()
	cfg := configOf(t, change)
	s, err := ldap.New("corp", cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func pull(t *testing.T, s *ldap.Source) *graph.Snapshot {
	t.Helper()
	g := graph.New()
	w := g.Writer()
	if _, err := s.Pull(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	w.Commit()
	return g.Snapshot()
}

// TestPullFromActiveDirectory: the preset's names (sAMAccountName,
// employeeID), the disabled flag bit, a group of 2,000 fetched range by
// range and nested in the group that gives a right, with the path.
func TestPullFromActiveDirectory(t *testing.T) {
	snap := pull(t, source(t))
	if n := len(snap.AccountsOf("ldap:corp")); n != staff {
		t.Errorf("%d accounts, want %d", n, staff)
	}
	for id, want := range map[string]string{"user0000": "E1000 active", "user0003": "E1003 disabled", "user0006": "E1006 active", "user0007": "E1007 disabled"} {
		if a := snap.AccountOf("ldap:corp", id); a == nil || a.Owner+" "+a.Status != want {
			t.Errorf("%s: %+v, want %s", id, a, want)
		}
	}
	portal := snap.AccountsOf("portal")
	if len(portal) != staff {
		t.Fatalf("%d accounts hold portal/user through all-staff, want all %d (the member ranges)", len(portal), staff)
	}
	if g := snap.AccountOf("portal", "user1999").Grant("user"); g == nil || g.Via != "app-portal-user ← all-staff" {
		t.Errorf("user1999's portal right: %+v", g)
	}
	if g := snap.AccountOf("takuso", "user0001").Grant("viewer"); g == nil || g.Via != "" {
		t.Errorf("user0001's direct takuso right: %+v", g)
	}
}

// TestApplyOnActiveDirectory: disabling sets ACCOUNTDISABLE and keeps the
// other flags; removing a member is done once, and again is done (Active
// Directory answers "unwilling to perform" for a member that is not one).
func TestApplyOnActiveDirectory(t *testing.T) {
	s := source(t)
	ctx := context.Background()
	t.Cleanup(func() { // the directory as seeded, for the tests after (and -count)
		conn := AdminConn(t)
		enable := goldap.NewModifyRequest("CN=user0006,OU=staff,"+Base, nil)
		enable.Replace("userAccountControl", []string{"66048"})
		member := goldap.NewModifyRequest("CN=app-takuso-viewer,OU=groups,"+Base, nil)
		member.Add("member", []string{"CN=user0002,OU=staff," + Base})
		for _, m := range []*goldap.ModifyRequest{enable, member} {
			if err := conn.Modify(m); err != nil && !goldap.IsErrorWithCode(err, goldap.LDAPResultAttributeOrValueExists) {
				t.Errorf("restoring the seeded directory: %v", err)
			}
		}
	})
	for _, c := range []connectors.Change{
		{Op: "disable_account", System: "ldap:corp", Account: "user0006"},
		{Op: "disable_account", System: "ldap:corp", Account: "user0006"},
		{Op: "revoke", System: "takuso", Account: "user0002", Entitlement: "viewer"},
		{Op: "revoke", System: "takuso", Account: "user0002", Entitlement: "viewer"},
	} {
		if err := s.Apply(ctx, c); err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
	}
	conn := AdminConn(t)
	res, err := conn.Search(goldap.NewSearchRequest("CN=user0006,OU=staff,"+Base, goldap.ScopeBaseObject, 0, 1, 0, false, "(objectClass=*)", []string{"userAccountControl"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Entries[0].GetAttributeValue("userAccountControl"); got != "66050" {
		t.Errorf("userAccountControl after disabling: %s, want 66050 (66048 with ACCOUNTDISABLE)", got)
	}
	snap := pull(t, s)
	if a := snap.AccountOf("ldap:corp", "user0006"); a == nil || a.Status != "disabled" {
		t.Errorf("user0006 after disabling: %+v", a)
	}
	if a := snap.AccountOf("takuso", "user0002"); a != nil && a.Grant("viewer") != nil {
		t.Error("user0002 still holds takuso/viewer")
	}
	if a := snap.AccountOf("takuso", "user0001"); a == nil || a.Grant("viewer") == nil {
		t.Error("user0001 lost takuso/viewer")
	}
}

// TestPrimaryGroupAndMemberOf: a group made an account's primary group
// drops out of the group's member attribute (Active Directory keeps it in
// primaryGroupID): the right it gives stays. With member_of and no group
// search, memberships come from the accounts' memberOf.
func TestPrimaryGroupAndMemberOf(t *testing.T) {
	s := source(t)
	conn := AdminConn(t)
	res, err := conn.Search(goldap.NewSearchRequest("CN=app-saiene-viewer,OU=groups,"+Base, goldap.ScopeBaseObject, 0, 1, 0, false, "(objectClass=*)", []string{"objectSid"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	sid := res.Entries[0].GetRawAttributeValue("objectSid")
	groupRID := fmt.Sprint(uint32(sid[len(sid)-4]) | uint32(sid[len(sid)-3])<<8 | uint32(sid[len(sid)-2])<<16 | uint32(sid[len(sid)-1])<<24)
	mod := goldap.NewModifyRequest("CN=user0010,OU=staff,"+Base, nil)
	mod.Replace("primaryGroupID", []string{groupRID})
	if err := conn.Modify(mod); err != nil {
		t.Fatal(err)
	}
	res, err = conn.Search(goldap.NewSearchRequest("CN=app-saiene-viewer,OU=groups,"+Base, goldap.ScopeBaseObject, 0, 1, 0, false, "(objectClass=*)", []string{"member"}, nil))
	if err != nil || slices.ContainsFunc(res.Entries[0].GetAttributeValues("member"), func(m string) bool { return strings.HasPrefix(strings.ToUpper(m), "CN=USER0010,") }) {
		t.Fatalf("the primary group still lists its member (%v): the test shows nothing", err)
	}
	snap := pull(t, s)
	if a := snap.AccountOf("saiene", "user0010"); a == nil || a.Grant("viewer") == nil {
		t.Errorf("user0010's right through its primary group is lost: %+v", a)
	}
	// memberOf alone would lose user0010's right through its primary group
	// (and any through nested groups): the combination is refused.
	c := ldap.Config{URL: "ldap://127.0.0.1", AccountBase: "OU=staff," + Base, MemberOf: true}
	if err := c.Defaults("corp"); err == nil || !strings.Contains(err.Error(), "member_of without groups.base_dn") {
		t.Errorf("member_of without a group search: %v", err)
	}
	withMemberOf := pull(t, sourceWith(t, func(c *ldap.Config) { c.MemberOf = true }))
	if a := withMemberOf.AccountOf("saiene", "user0010"); a == nil || a.Grant("viewer") == nil {
		t.Errorf("user0010's right through its primary group, with member_of: %+v", a)
	}
	if n := len(withMemberOf.AccountsOf("ldap:corp")); n != staff {
		t.Errorf("%d accounts with member_of, want %d", n, staff)
	}
}

// TestNestedMembersAgreeWithTheServersInChainAnswer: verify_nested asks the
// DC for the in-chain members of app-portal-user (2,000 through all-staff)
// and finds them equal to the closure computed from the member attributes.
func TestNestedMembersAgreeWithTheServersInChainAnswer(t *testing.T) {
	var logs strings.Builder
	s2, err := ldap.New("corp", configOf(t, func(c *ldap.Config) { c.VerifyNested = true }), slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if err != nil {
		t.Fatal(err)
	}
	pull(t, s2)
	if !strings.Contains(logs.String(), "agree with the server's in-chain answer") || !strings.Contains(logs.String(), "members=2000") || strings.Contains(logs.String(), "differ") {
		t.Errorf("the in-chain comparison:\n%s", logs.String())
	}

	// user1500's primary group becomes all-staff (nested in
	// app-portal-user): the in-chain answer leaves them out, and the
	// comparison says why instead of reporting a difference.
	conn := AdminConn(t)
	res, err := conn.Search(goldap.NewSearchRequest("CN=all-staff,OU=groups,"+Base, goldap.ScopeBaseObject, 0, 1, 0, false, "(objectClass=*)", []string{"objectSid"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	sid := res.Entries[0].GetRawAttributeValue("objectSid")
	rid := fmt.Sprint(uint32(sid[len(sid)-4]) | uint32(sid[len(sid)-3])<<8 | uint32(sid[len(sid)-2])<<16 | uint32(sid[len(sid)-1])<<24)
	set := func(v string) error {
		mod := goldap.NewModifyRequest("CN=user1500,OU=staff,"+Base, nil)
		mod.Replace("primaryGroupID", []string{v})
		return conn.Modify(mod)
	}
	if err := set(rid); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // the directory as seeded (Domain Users, and a member of all-staff again)
		set("513")
		add := goldap.NewModifyRequest("CN=all-staff,OU=groups,"+Base, nil)
		add.Add("member", []string{"CN=user1500,OU=staff," + Base})
		conn.Modify(add)
	})
	logs.Reset()
	pull(t, s2)
	if out := logs.String(); !strings.Contains(out, "through a primary group") || strings.Contains(out, "differ") {
		t.Errorf("a member through a nested primary group:\n%s", out)
	}
}

// TestNestedGroupsThreeDeepWithACycle: app-saiene-viewer ← team-a ← team-b
// ← team-c ← team-a: the members at every depth get the right with the path
// they hold it through, and the cycle is followed once and reported once.
func TestNestedGroupsThreeDeepWithACycle(t *testing.T) {
	var logs strings.Builder
	cfg := configOf(t, func(*ldap.Config) {})
	s, err := ldap.New("corp", cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	snap := pull(t, s)
	for user, via := range map[string]string{
		"user0010": "",
		"user0021": "app-saiene-viewer ← team-a ← team-b",
		"user0020": "app-saiene-viewer ← team-a ← team-b ← team-c",
	} {
		a := snap.AccountOf("saiene", user)
		if a == nil || a.Grant("viewer") == nil {
			t.Errorf("%s has no saiene viewer right", user)
			continue
		}
		if got := a.Grant("viewer").Via; got != via {
			t.Errorf("%s holds it through %q, want %q", user, got, via)
		}
	}
	if n := len(snap.AccountsOf("saiene")); n != 3 {
		t.Errorf("%d saiene accounts, want 3", n)
	}
	if n := strings.Count(logs.String(), "a cycle of nested groups"); n != 1 {
		t.Errorf("the cycle reported %d times:\n%s", n, logs.String())
	}
}
