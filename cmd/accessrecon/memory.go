package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/metrics"
)

// loadingHeap turns the collector off while the inputs load, within a soft
// limit of half the machine's memory: the heap is mostly the graph being
// built, which every collection would mark again (at a million people, 5 s
// of the load). Once the inputs are in, limitHeap lowers the limit, which
// then paces the collector on its own. It leaves a GOGC or GOMEMLIMIT set by
// the user alone.
func loadingHeap() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	total := totalMemory()
	if total == 0 {
		return
	}
	debug.SetMemoryLimit(int64(total / 2))
	debug.SetGCPercent(-1)
}

// limitHeap sets a soft memory limit of what the process holds once the
// inputs are loaded plus a headroom of a quarter of that, at least 512 MiB,
// unless GOMEMLIMIT is set.
//
// The loaded graph is most of the heap and lives until the command ends. Go's
// default pacer lets garbage grow as large as the live heap before it
// collects, so a graph of gigabytes would double peak memory for the garbage
// policy evaluation makes, a few kilobytes per person at a time. With the
// limit the collector runs when the garbage reaches the headroom instead.
// What the process holds includes the garbage of loading, which the first
// collection frees: collecting first to measure the graph would mark it once
// more for nothing.
func limitHeap(log *slog.Logger) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	s := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
	}
	metrics.Read(s)
	held := s[0].Value.Uint64() - s[1].Value.Uint64() - s[2].Value.Uint64()
	limit := held + max(512<<20, held/4)
	debug.SetMemoryLimit(int64(limit))
	log.Debug("memory limit", "held_mib", held>>20, "limit_mib", limit>>20)
}
