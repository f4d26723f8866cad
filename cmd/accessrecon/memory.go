package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/metrics"
)

// loadingHeap lets the heap grow to four times what is live (Go's default is
// twice), for fewer collections of a heap that is mostly the graph being
// built, within a soft limit of half the machine's memory. Once the inputs
// are in, limitHeap lowers the limit, which then paces the collector: at
// four times the live heap the GC percent would only start a collection
// beyond it. It leaves a GOGC or GOMEMLIMIT set by the user alone.
func loadingHeap() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	total := totalMemory()
	if total == 0 {
		return
	}
	debug.SetMemoryLimit(int64(total / 2))
	debug.SetGCPercent(300)
}

// limitHeap sets a soft memory limit of what the process holds once the
// inputs are loaded plus some headroom, unless GOMEMLIMIT is set.
//
// The loaded graph is most of the heap and lives until the command ends. Go's
// default pacer lets garbage grow as large as the live heap before it
// collects, so a graph of gigabytes would double peak memory for the garbage
// policy evaluation makes, a few hundred kilobytes per person at a time. With
// the limit the collector runs when the garbage reaches the headroom instead.
//
// It does not collect first to measure the graph: that would mark the whole
// graph once more (1.5 s at a million people) only to lower the limit by
// the garbage of loading, which the first collection under the limit frees
// anyway. The headroom is half the heap the last collection found live.
func limitHeap(log *slog.Logger) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	s := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/gc/heap/live:bytes"},
	}
	metrics.Read(s)
	held := s[0].Value.Uint64() - s[1].Value.Uint64() - s[2].Value.Uint64()
	live := s[3].Value.Uint64()
	limit := held + max(512<<20, live/2)
	debug.SetMemoryLimit(int64(limit))
	log.Debug("memory limit", "held_mib", held>>20, "live_heap_mib", live>>20, "limit_mib", limit>>20)
}
