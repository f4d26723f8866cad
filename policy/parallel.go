package policy

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// Parallel calls fn for [0,n) in chunks of size chunk on every core. The
// first error cancels the context the other calls get, and is returned.
func Parallel(ctx context.Context, n, chunk int, fn func(ctx context.Context, lo, hi int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		once     sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	for range min(runtime.GOMAXPROCS(0), max(1, (n+chunk-1)/chunk)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(int64(chunk)) - int64(chunk))
				if lo >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, lo, min(lo+chunk, n)); err != nil {
					once.Do(func() { firstErr = err })
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}
