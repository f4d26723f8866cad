package vm

import (
	"fmt"
	"slices"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// An input document of hundreds of objects per evaluation costs more to
// build as AST objects (a hash map, key and value hashes per object) than
// the plan costs to run over it. Records and lists are the plan evaluator's
// own objects and arrays for input: a record is its shape's keys and a slice
// of values, a list a slice of terms. The evaluator reads them directly
// (lookups, loops, lengths, count and object.get); wherever a value leaves
// it (a built-in's argument, an element of a collection the plan builds, a
// result) or is compared, records and lists in it become AST values first,
// so the rest of OPA never sees them.

// Shape is the key set of records built alike.
type Shape struct {
	names []string
	keys  []*ast.Term
}

// NewShape is the shape with these keys, which must be sorted (the order
// objects iterate in) and unique.
func NewShape(keys ...string) *Shape {
	if !slices.IsSorted(keys) || len(slices.Compact(slices.Clone(keys))) != len(keys) {
		panic(fmt.Sprintf("vm: shape keys must be sorted and unique: %v", keys))
	}
	s := &Shape{names: keys}
	for _, k := range keys {
		s.keys = append(s.keys, keyTerm(k))
	}
	return s
}

// Record is a record of the shape: vals in the order of its keys, nil for a
// key the record does not have.
func (s *Shape) Record(vals ...*ast.Term) *ast.Term {
	if len(vals) != len(s.keys) {
		panic(fmt.Sprintf("vm: %d values for a shape of %d keys", len(vals), len(s.keys)))
	}
	return &ast.Term{Value: &record{shape: s, vals: vals}}
}

// Object is the same as an AST object (nil values left out), for top-down
// evaluation.
func (s *Shape) Object(vals ...*ast.Term) *ast.Term {
	items := make([][2]*ast.Term, 0, len(vals))
	for i, v := range vals {
		if v != nil {
			items = append(items, [2]*ast.Term{s.keys[i], v})
		}
	}
	return ast.ObjectTerm(items...)
}

// ListTerm is a list of items (which may be records).
func ListTerm(items []*ast.Term) *ast.Term { return &ast.Term{Value: &list{items: items}} }

type record struct {
	shape *Shape
	vals  []*ast.Term
	obj   *ast.Term // the AST object, once made
}

type list struct {
	items []*ast.Term
	arr   *ast.Term // the AST array, once made
}

// keyTerm is the one term of a string that shapes and plans share, so that
// a record finds a key the plan names by comparing pointers.
func keyTerm(s string) *ast.Term {
	keyTermsMu.Lock()
	defer keyTermsMu.Unlock()
	t, ok := keyTerms[s]
	if !ok {
		t = ast.StringTerm(s)
		keyTerms[s] = t
	}
	return t
}

var (
	keyTermsMu sync.Mutex
	keyTerms   = map[string]*ast.Term{}
)

func (r *record) get(key *ast.Term) *ast.Term {
	for i, k := range r.shape.keys {
		if k == key {
			return r.vals[i]
		}
	}
	k, ok := key.Value.(ast.String)
	if !ok {
		return nil
	}
	for i, n := range r.shape.names {
		if n == string(k) {
			return r.vals[i]
		}
	}
	return nil
}

func (r *record) len() int {
	n := 0
	for _, v := range r.vals {
		if v != nil {
			n++
		}
	}
	return n
}

func (l *list) get(key *ast.Term) *ast.Term {
	n, ok := key.Value.(ast.Number)
	if !ok {
		return nil
	}
	i, ok := n.Int()
	if !ok || i < 0 || i >= len(l.items) {
		return nil
	}
	return l.items[i]
}

// plain is t with every record and list in it made AST values; t itself when
// it has none (only records and lists hold records and lists).
func plain(t *ast.Term) *ast.Term {
	switch v := t.Value.(type) {
	case *frozen:
		return v.obj
	case *record:
		if v.obj == nil {
			items := make([][2]*ast.Term, 0, len(v.vals))
			for i, x := range v.vals {
				if x != nil {
					items = append(items, [2]*ast.Term{v.shape.keys[i], plain(x)})
				}
			}
			v.obj = ast.ObjectTerm(items...)
		}
		return v.obj
	case *list:
		if v.arr == nil {
			items := make([]*ast.Term, len(v.items))
			for i, x := range v.items {
				items[i] = plain(x)
			}
			v.arr = ast.ArrayTerm(items...)
		}
		return v.arr
	}
	return t
}

// The ast.Value methods, for completeness: the evaluator makes records and
// lists plain before anything outside it could call these.

func (r *record) Compare(other ast.Value) int          { return plain(ast.NewTerm(r)).Value.Compare(other) }
func (r *record) Find(path ast.Ref) (ast.Value, error) { return plain(ast.NewTerm(r)).Value.Find(path) }
func (r *record) Hash() int                            { return plain(ast.NewTerm(r)).Value.Hash() }
func (r *record) IsGround() bool                       { return true }
func (r *record) String() string                       { return plain(ast.NewTerm(r)).Value.String() }
func (r *record) StringLength() int                    { return plain(ast.NewTerm(r)).Value.StringLength() }

func (l *list) Compare(other ast.Value) int          { return plain(ast.NewTerm(l)).Value.Compare(other) }
func (l *list) Find(path ast.Ref) (ast.Value, error) { return plain(ast.NewTerm(l)).Value.Find(path) }
func (l *list) Hash() int                            { return plain(ast.NewTerm(l)).Value.Hash() }
func (l *list) IsGround() bool                       { return true }
func (l *list) String() string                       { return plain(ast.NewTerm(l)).Value.String() }
func (l *list) StringLength() int                    { return plain(ast.NewTerm(l)).Value.StringLength() }
