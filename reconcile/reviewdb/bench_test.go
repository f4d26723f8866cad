package reviewdb

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// BenchmarkCreateCampaign registers a campaign of 1,000,000 items (the
// items of 100,000 people) into a new store: the review store's part of
// certify open. Run: go test -run '^$' -bench CreateCampaign ./reconcile/reviewdb/
func BenchmarkCreateCampaign(b *testing.B) {
	const n = 1000000
	its := make([]Item, n)
	for i := range its {
		its[i] = Item{ItemID: fmt.Sprintf("sys%02d/u%07d/role%d", i%40, i/10, i%10), System: fmt.Sprintf("sys%02d", i%40), SystemName: "業務システム",
			Account: fmt.Sprintf("u%07d", i/10), Entitlement: fmt.Sprintf("role%d", i%10), Person: fmt.Sprintf("E%07d", i/10), PersonName: "山田 太郎",
			Unit: fmt.Sprintf("U%03d", i%300), Company: "NW", ReviewerUnit: fmt.Sprintf("OWN%02d", i%40), Manager: "E0000001", PeersWith: 3, PeersTotal: 40}
	}
	slices.SortFunc(its, func(a, b Item) int { return strings.Compare(a.ItemID, b.ItemID) })
	for b.Loop() {
		s, err := Open(context.Background(), filepath.Join(b.TempDir(), DefaultFile))
		if err != nil {
			b.Fatal(err)
		}
		c := &Campaign{ID: "Q4", AsOf: "2026-11-24", Stages: []Stage{{N: 1, Name: "owner", Reviewers: ByOwnerUnit}}}
		if err := s.CreateCampaign(context.Background(), c, its); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}
