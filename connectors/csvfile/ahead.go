package csvfile

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"sync"

	"github.com/accessrecon/accessrecon/connectors"
)

// Ahead is a CSV file being read on a goroutine of its own from the moment
// ReadAhead starts it, each record made into a T as soon as it is parsed,
// however far ahead of Each that gets. A source's records end up in the
// graph anyway, so reading a whole file ahead costs little memory, and on
// two cores a file read while earlier ones are written to the graph costs
// no time.
type Ahead[T any] struct {
	name string
	stop chan struct{}
	done chan struct{}
	once sync.Once

	mu      sync.Mutex
	more    *sync.Cond // signalled when a batch is added or reading ends
	names   []string   // the header's column ids, set before the first batch
	titles  []string   // the header's cells, as written
	utf8    bool
	values  map[string]map[string]string
	xlsx    bool
	batches []*built[T]
	ended   bool
	err     error  // what ended reading early, after the batches
	digest  string // of the whole file, when reading ended without error
}

// built is a run of values made from consecutive records.
type built[T any] struct {
	values []T
	lines  []int
	errs   map[int]error // by index: a record's input error (its value is then the zero T); nil when none
}

// errStopped ends a reading that Stop ended (Each returns it when called after Stop).
var errStopped = errors.New("csvfile: reading stopped")

// ReadAhead starts reading the CSV file path of files, checking its header
// for the required columns and making every record into a T with build
// (which sees the record through cr, and reports bad cells with cr.Errorf).
// Reading starts at its turn and stops at the first error, at the end of
// ctx, or at Stop.
func ReadAhead[T any](ctx context.Context, turn connectors.Turn, files fs.FS, path string, format Format, required []string, build func(cr *Reader) (T, error)) *Ahead[T] {
	a := &Ahead[T]{name: path, stop: make(chan struct{}), done: make(chan struct{})}
	a.more = sync.NewCond(&a.mu)
	go func() {
		defer close(a.done)
		defer turn.End()
		var digest string
		var err error
		select {
		case <-turn.Start:
			digest, err = connectors.ReadFile(files, path, func(r io.Reader) error {
				return a.read(ctx, r, format, required, build)
			})
		case <-a.stop:
			err = errStopped
		case <-ctx.Done():
			err = ctx.Err()
		}
		a.mu.Lock()
		a.ended, a.err, a.digest = true, err, digest
		a.mu.Unlock()
		a.more.Broadcast()
	}()
	return a
}

// ReadRowsAhead is ReadAhead of rows that are not a file (a query's),
// named name in errors; digest, called once the rows are read, is theirs.
func ReadRowsAhead[T any](ctx context.Context, name string, rows Records, digest func() string, format Format, required []string, build func(cr *Reader) (T, error)) *Ahead[T] {
	a := &Ahead[T]{name: name, stop: make(chan struct{}), done: make(chan struct{})}
	a.more = sync.NewCond(&a.mu)
	go func() {
		defer close(a.done)
		var d string
		err := a.readFrom(ctx, func() (*Reader, error) { return OpenRecords(name, rows, format, required...) }, build)
		if err == nil {
			d = digest()
		}
		a.mu.Lock()
		a.ended, a.err, a.digest = true, err, d
		a.mu.Unlock()
		a.more.Broadcast()
	}()
	return a
}

func (a *Ahead[T]) read(ctx context.Context, r io.Reader, format Format, required []string, build func(cr *Reader) (T, error)) error {
	return a.readFrom(ctx, func() (*Reader, error) { return OpenContext(ctx, a.name, r, format, required...) }, build)
}

func (a *Ahead[T]) readFrom(ctx context.Context, open func() (*Reader, error), build func(cr *Reader) (T, error)) error {
	src, err := open()
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.names, a.titles, a.utf8, a.values, a.xlsx = src.names, src.titles, src.utf8, src.values, src.xlsx
	a.mu.Unlock()
	b := &built[T]{}
	for {
		ok, err := src.Next()
		if err == nil && ok {
			v, berr := build(src)
			if berr != nil && !errors.Is(berr, ErrInput) {
				err = berr
			} else {
				// A bad record is kept in its place, so that Each reports
				// it in file order with the other problems of the file.
				if berr != nil {
					if b.errs == nil {
						b.errs = map[int]error{}
					}
					b.errs[len(b.values)] = berr
				}
				b.values = append(b.values, v)
				b.lines = append(b.lines, src.line)
			}
		}
		if err != nil || !ok || len(b.values) == batchRecords {
			a.add(b)
			b = &built[T]{}
		}
		if err != nil || !ok {
			return err
		}
		if len(b.values) == 0 { // a batch was just added
			select {
			case <-a.stop:
				return errStopped
			default:
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
}

func (a *Ahead[T]) add(b *built[T]) {
	if len(b.values) == 0 {
		return
	}
	a.mu.Lock()
	a.batches = append(a.batches, b)
	a.mu.Unlock()
	a.more.Broadcast()
}

// Each calls use for every value in the order of the file, with cr at the
// record it was made from (for use's errors), and returns the file's
// digest. It returns the first error: use's, or the one that ended reading,
// after the values read before it, or the end of ctx. Reading is stopped
// when Each returns.
func (a *Ahead[T]) Each(ctx context.Context, use func(cr *Reader, v T) error) (digest string, err error) {
	defer a.Stop()
	view := &Reader{name: a.name}
	var problems Problems
	for {
		a.mu.Lock()
		for len(a.batches) == 0 && !a.ended {
			a.more.Wait()
		}
		batches, ended := a.batches, a.ended
		a.batches = nil
		view.names, view.titles, view.utf8, view.values, view.xlsx = a.names, a.titles, a.utf8, a.values, a.xlsx
		a.mu.Unlock()
		for _, b := range batches {
			if err := ctx.Err(); err != nil {
				return "", err
			}
			for i, v := range b.values {
				view.line = b.lines[i]
				err := b.errs[i]
				if err == nil {
					err = use(view, v)
				}
				if err != nil && !problems.Add(err) {
					if perr := problems.Err(); perr != nil {
						return "", errors.Join(perr, err)
					}
					return "", err
				}
			}
		}
		if ended {
			if a.err != nil {
				if problems.Add(a.err) {
					return "", problems.Err()
				}
				if perr := problems.Err(); perr != nil {
					return "", errors.Join(perr, a.err)
				}
				return "", a.err
			}
			if err := problems.Err(); err != nil {
				return "", err
			}
			return a.digest, nil
		}
	}
}

// Stop ends the reading and waits for its goroutine; what was read and not
// used is dropped. Calling it again, or after Each, does nothing.
func (a *Ahead[T]) Stop() {
	a.once.Do(func() { close(a.stop) })
	<-a.done
}
