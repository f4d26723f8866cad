package main

import (
	"io"
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestLimitHeapLeavesHeadroomOverTheLiveHeap(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	t.Setenv("GOMEMLIMIT", "")
	keep := make([][]byte, 64) // 64 MiB that stays live, like a loaded graph
	for i := range keep {
		keep[i] = make([]byte, 1<<20)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	limitHeap(log)
	limit := debug.SetMemoryLimit(-1)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if limit == math.MaxInt64 {
		t.Fatal("no memory limit was set")
	}
	if got, min := uint64(limit), ms.HeapAlloc+512<<20; got < min {
		t.Errorf("limit %d MiB leaves less than 512 MiB over the live heap (%d MiB)", got>>20, ms.HeapAlloc>>20)
	}
	runtime.KeepAlive(keep)

	debug.SetMemoryLimit(math.MaxInt64)
	t.Setenv("GOMEMLIMIT", "8GiB")
	limitHeap(log)
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("with GOMEMLIMIT set the limit was changed to %d", got)
	}
}
