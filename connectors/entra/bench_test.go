package entra

import (
	"fmt"
	"testing"

	"github.com/accessrecon/accessrecon/connectors/entra/graphfake"
)

// bigTenant is users users, groups groups holding memberships
// memberships (the first 2% of groups 2,500 members each, more than two
// pages; every tenth group also has another group as a member), and apps
// apps each assigned to 20 groups and 100 users.
func bigTenant(users, groups, memberships, apps int) ([]*graphfake.User, []*graphfake.Group, []*graphfake.App) {
	us := make([]*graphfake.User, users)
	for i := range us {
		us[i] = &graphfake.User{ID: fmt.Sprintf("u%07d", i), UPN: fmt.Sprintf("user%07d@example.co.jp", i), EmployeeID: fmt.Sprintf("E%07d", i), MFA: i%3 != 0}
	}
	gs := make([]*graphfake.Group, groups)
	big := groups / 50
	rest := (memberships - big*2500) / (groups - big)
	next := 0
	for i := range gs {
		n := rest
		if i < big {
			n = 2500
		}
		g := &graphfake.Group{ID: fmt.Sprintf("g%05d", i), Name: fmt.Sprintf("group %05d", i), Members: make([]string, 0, n+1)}
		for range n {
			g.Members = append(g.Members, us[next%users].ID)
			next += 7919 // a prime: members spread over the users
		}
		if i%10 == 9 {
			g.Members = append(g.Members, fmt.Sprintf("g%05d", i-1))
		}
		gs[i] = g
	}
	as := make([]*graphfake.App, apps)
	for i := range as {
		a := &graphfake.App{ID: fmt.Sprintf("sp%03d", i), AppID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Name: fmt.Sprintf("app %03d", i),
			Roles: map[string]string{fmt.Sprintf("r%03d", i): "user"}}
		for k := range 20 {
			a.Assignments = append(a.Assignments, graphfake.Assignment{ID: fmt.Sprintf("a%03d-g%d", i, k), Role: fmt.Sprintf("r%03d", i), Principal: gs[(i*97+k*13)%groups].ID})
		}
		for k := range 100 {
			a.Assignments = append(a.Assignments, graphfake.Assignment{ID: fmt.Sprintf("a%03d-u%d", i, k), Role: fmt.Sprintf("r%03d", i), Principal: us[(i*1009+k*31)%users].ID})
		}
		as[i] = a
	}
	return us, gs, as
}

func pages(n, size int) int { return max(1, (n+size-1)/size) }

// minRequests is the fewest requests Graph allows for what is read: a
// page of 999 for each list, the groups' member pages and the apps'
// assignment pages 20 to a $batch (a collection's next page only after
// its first), and the directory role lists at their page size of 100.
func minRequests(users []*graphfake.User, groups []*graphfake.Group, apps []*graphfake.App, roles, eligible int) (requests, units int) {
	requests = pages(len(users), 999) + pages(len(groups), 999) + 1 + 1 + pages(roles, 100) + pages(eligible, 100) + pages(len(users), 999)
	// Graph's resource units (identity and access): users 2 and groups'
	// members 3, less 1 for $select; everything else 1.
	units = requests
	for round := 0; ; round++ {
		n := 0
		for _, g := range groups {
			if len(g.Members) > round*999 {
				n++
			}
		}
		for _, a := range apps {
			if len(a.Assignments) > round*999 {
				n++
			}
		}
		if n == 0 {
			break
		}
		requests += (n + 19) / 20
	}
	for _, g := range groups {
		units += 2 * pages(len(g.Members), 999)
	}
	for _, a := range apps {
		units += pages(len(a.Assignments), 999)
	}
	return requests, units
}

// BenchmarkEntraPull reads a tenant of 100,000 users, 5,000 groups,
// 1,000,000 memberships and 50 apps from the Graph fake: the requests made
// (which must be the fewest Graph allows), the time, and what the read
// would take at Graph's documented limit for a large tenant (8,000
// resource units per 10 seconds per app and tenant).
func BenchmarkEntraPull(b *testing.B) {
	f := graphfake.New(graphfake.TenantID, graphfake.ClientID, graphfake.Secret)
	defer f.Close()
	users, groups, apps := bigTenant(100_000, 5_000, 1_000_000, 50)
	f.Load(users, groups, apps, nil, nil, nil)
	want, units := minRequests(users, groups, apps, 0, 0)
	b.Setenv("TEST_ENTRA_SECRET", graphfake.Secret)
	s := &Spec{TenantID: graphfake.TenantID, ClientID: graphfake.ClientID, ClientSecretEnv: "TEST_ENTRA_SECRET",
		Authority: f.Authority(), GraphURL: f.GraphURL(), System: "m365"}
	src := openTB(b, s)
	var requests int64
	for b.Loop() {
		before := f.Requests.Load()
		if _, _, err := pullTB(b, src); err != nil {
			b.Fatal(err)
		}
		requests = f.Requests.Load() - before
	}
	if requests != int64(want) {
		b.Errorf("%d requests, the fewest Graph allows is %d", requests, want)
	}
	b.ReportMetric(float64(requests), "requests")
	b.ReportMetric(float64(units), "graph-RU")
	b.ReportMetric(float64(units)/800, "s-at-graph-limit")
}
