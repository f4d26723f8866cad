package vm

import "github.com/open-policy-agent/opa/v1/ast"

// frozen is an object of the data document with its string keys in a Go
// map. The rules look data.model's systems, units and role model up for
// every account and grant; a Go map finds a string key faster than an AST
// object, which hashes the key term and compares terms, and the difference
// grows with the organisation (at a million people, the units). Anywhere but
// a lookup (a scan, a built-in's argument, a comparison) the evaluator uses
// the object itself (plain), which frozen leaves as it was.
type frozen struct {
	obj   *ast.Term
	index map[string]*ast.Term // the values, frozen themselves
}

// freeze is t with every object in it that has only string keys frozen; the
// objects inside arrays and sets are left as they are.
func freeze(t *ast.Term) *ast.Term {
	obj, ok := t.Value.(ast.Object)
	if !ok {
		return t
	}
	f := &frozen{obj: t, index: make(map[string]*ast.Term, obj.Len())}
	strings := true
	obj.Foreach(func(k, v *ast.Term) {
		s, ok := k.Value.(ast.String)
		if !ok {
			strings = false
			return
		}
		f.index[string(s)] = freeze(v)
	})
	if !strings {
		return t
	}
	return &ast.Term{Value: f}
}

// get is the value of a key. On a store path (a dot straight from data), a
// number finds the key of its digits, as top-down evaluation finds it in
// OPA's store, whose paths are strings: data.model.units[1] is
// data.model.units["1"]; through a variable it does not (obj := data.model.units;
// obj[1] is undefined), as in top-down.
func (f *frozen) get(key *ast.Term, storePath bool) *ast.Term {
	switch k := key.Value.(type) {
	case ast.String:
		return f.index[string(k)]
	case ast.Number:
		if !storePath {
			return nil
		}
		return f.index[string(k)]
	}
	return f.obj.Value.(ast.Object).Get(key)
}

// The ast.Value methods, those of the object.

func (f *frozen) Compare(other ast.Value) int          { return f.obj.Value.Compare(other) }
func (f *frozen) Find(path ast.Ref) (ast.Value, error) { return f.obj.Value.Find(path) }
func (f *frozen) Hash() int                            { return f.obj.Value.Hash() }
func (f *frozen) IsGround() bool                       { return f.obj.Value.IsGround() }
func (f *frozen) String() string                       { return f.obj.Value.String() }
func (f *frozen) StringLength() int                    { return f.obj.Value.StringLength() }
