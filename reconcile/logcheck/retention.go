package logcheck

import (
	"context"
	"io/fs"
	"slices"
	"time"

	"github.com/accessrecon/accessrecon/connectors/accesslog"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/reconcile/calendar"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
)

// Gap is a run of business days on which the access logs hold no line of
// a confidential system.
type Gap struct {
	System   string
	From, To graph.Date
	Days     int // business days
}

// Retention is what the logs hold of each confidential system.
type Retention struct {
	System      string
	First, Last graph.Date // the first and last day with a line, zero when none
	Gaps        []Gap
}

// RetentionGaps checks that the access logs given cover every confidential
// system for the last years up to asOf, business day by business day: a run
// of more than maxGap business days without a line of a system is a gap
// (the 2020 revision of the Electricity Business Act keeps access logs five
// years; a system found without them in 2021 is why this is checked).
func RetentionGaps(ctx context.Context, in *inputs.Inputs, cal *calendar.Calendar, asOf graph.Date, years, maxGap int, files fs.FS, names []string) ([]Retention, accesslog.Stats, error) {
	snap := in.Graph.Snapshot()
	start := graph.DateOf(asOf.Start().AddDate(-years, 0, 0))
	days := map[string]map[graph.Date]bool{}
	for _, s := range snap.Systems() {
		if len(s.ConfidentialTo) > 0 {
			days[s.ID] = map[graph.Date]bool{}
		}
	}
	st, err := accesslog.Scan(ctx, files, names, func(a *accesslog.Access) {
		seen, ok := days[string(a.System)]
		if !ok {
			return
		}
		d := graph.DateOf(time.Unix(0, a.At))
		if d >= start && d <= asOf {
			seen[d] = true
		}
	})
	if err != nil {
		return nil, st, err
	}
	var out []Retention
	for _, system := range slices.Sorted(func(yield func(string) bool) {
		for k := range days {
			if !yield(k) {
				return
			}
		}
	}) {
		seen := days[system]
		r := Retention{System: system}
		var run []graph.Date
		flush := func() {
			if len(run) > maxGap {
				r.Gaps = append(r.Gaps, Gap{System: system, From: run[0], To: run[len(run)-1], Days: len(run)})
			}
			run = run[:0]
		}
		for d := start; d <= asOf; d = d.AddDays(1) {
			if seen[d] {
				if r.First == 0 {
					r.First = d
				}
				r.Last = d
				flush()
				continue
			}
			if cal.IsBusinessDay(d) {
				run = append(run, d)
			}
		}
		flush()
		out = append(out, r)
	}
	return out, st, nil
}
