package vm

import (
	"fmt"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Arena holds the records, lists and terms of input documents that are built,
// evaluated and dropped one after another (a plan's subjects). Reset makes
// its memory available to the next document, so that building an input
// leaves next to nothing for the collector. Nothing of a document may be
// used after Reset: the evaluator keeps nothing of its input once Eval
// returns, and findings are plain Go values.
//
// A nil *Arena allocates each record, list and term on the heap.
type Arena struct {
	terms   slab[ast.Term]
	records slab[record]
	lists   slab[list]
	ptrs    slab[*ast.Term]
}

// Reset drops every document built in the arena.
func (a *Arena) Reset() {
	a.terms.reset()
	a.records.reset()
	a.lists.reset()
	a.ptrs.reset()
}

// Record is s.Record(vals...) in the arena.
func (a *Arena) Record(s *Shape, vals ...*ast.Term) *ast.Term {
	if a == nil {
		return s.Record(slices.Clone(vals)...)
	}
	if len(vals) != len(s.keys) {
		panic(fmt.Sprintf("vm: %d values for a shape of %d keys", len(vals), len(s.keys)))
	}
	r := &a.records.take(1)[0]
	r.shape, r.vals = s, a.ptrs.take(len(vals))
	copy(r.vals, vals)
	t := &a.terms.take(1)[0]
	t.Value = r
	return t
}

// Terms is a slice of n terms for the items of a List.
func (a *Arena) Terms(n int) []*ast.Term {
	if a == nil {
		return make([]*ast.Term, n)
	}
	return a.ptrs.take(n)
}

// List is ListTerm(items) in the arena.
func (a *Arena) List(items []*ast.Term) *ast.Term {
	if a == nil {
		return ListTerm(items)
	}
	l := &a.lists.take(1)[0]
	l.items = items
	t := &a.terms.take(1)[0]
	t.Value = l
	return t
}

// String is ast.StringTerm(s), its term in the arena.
func (a *Arena) String(s string) *ast.Term {
	if a == nil {
		return ast.StringTerm(s)
	}
	t := &a.terms.take(1)[0]
	t.Value = ast.String(s)
	return t
}

// slab hands out runs of Ts from chunks it keeps across resets.
type slab[T any] struct {
	chunks [][]T
	chunk  int // the chunk in use
	used   int // of it
}

const slabChunk = 512

// take is n zero Ts, one after the other.
func (s *slab[T]) take(n int) []T {
	for s.chunk < len(s.chunks) && s.used+n > len(s.chunks[s.chunk]) {
		s.chunk++
		s.used = 0
	}
	if s.chunk == len(s.chunks) {
		s.chunks = append(s.chunks, make([]T, max(slabChunk, n)))
	}
	out := s.chunks[s.chunk][s.used : s.used+n : s.used+n]
	s.used += n
	return out
}

// reset zeroes what was taken (dropping its references) for taking again.
func (s *slab[T]) reset() {
	for i := 0; i < s.chunk && i < len(s.chunks); i++ {
		clear(s.chunks[i])
	}
	if s.chunk < len(s.chunks) {
		clear(s.chunks[s.chunk][:s.used])
	}
	s.chunk, s.used = 0, 0
}
