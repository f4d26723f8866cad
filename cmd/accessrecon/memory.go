package main

import (
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// loadingHeap lets the heap grow to four times what is live while the inputs
// load (Go's default is twice), for fewer collections of a heap that is
// mostly the graph being built, within a soft limit of half the machine's
// memory; limitHeap replaces both once the inputs are in. It leaves a GOGC or
// GOMEMLIMIT set by the user alone. It returns what restores GOGC.
func loadingHeap() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	total := totalMemory()
	if total == 0 {
		return func() {}
	}
	debug.SetMemoryLimit(int64(total / 2))
	old := debug.SetGCPercent(300)
	return func() { debug.SetGCPercent(old) }
}

// limitHeap sets a soft memory limit of what the process holds once the
// inputs are loaded plus some headroom, unless GOMEMLIMIT is set.
//
// The loaded graph is most of the heap and lives until the command ends. Go's
// default pacer lets garbage grow as large as the live heap before it
// collects, so a graph of gigabytes would double peak memory for the garbage
// policy evaluation makes, a few hundred kilobytes per person at a time. With
// the limit the collector runs when the garbage reaches the headroom instead.
func limitHeap(log *slog.Logger) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	runtime.GC()
	s := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
	}
	metrics.Read(s)
	held := s[0].Value.Uint64() - s[1].Value.Uint64() - s[2].Value.Uint64()
	live := s[3].Value.Uint64()
	limit := held + max(512<<20, live/2)
	debug.SetMemoryLimit(int64(limit))
	log.Debug("memory limit", "live_heap_mib", live>>20, "limit_mib", limit>>20)
}
