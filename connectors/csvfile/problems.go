package csvfile

import (
	"errors"
)

// MaxProblems is how many problems of one file are reported; the rest are
// counted.
const MaxProblems = 20

// Problems collects the input errors of one file, so that a run reports all
// of them (up to MaxProblems) rather than the first.
type Problems struct {
	errs  []error
	count int
}

// Add keeps err when it is an input error (a record's content) and reports
// true; any other error (reading failed, the run was cancelled) is not kept
// and Add reports false: the caller stops.
func (p *Problems) Add(err error) bool {
	if !errors.Is(err, ErrInput) {
		return false
	}
	p.count++
	if len(p.errs) < MaxProblems {
		p.errs = append(p.errs, err)
	}
	return true
}

// Err is every problem kept, one a line, with how many more there were; nil
// when there was none. It wraps ErrInput.
func (p *Problems) Err() error {
	if p.count == 0 {
		return nil
	}
	errs := p.errs
	if more := p.count - len(p.errs); more > 0 {
		errs = append(errs[:len(errs):len(errs)], InputErrorf("… and %d more problems in the same file (the first %d are shown)", more, MaxProblems))
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}
