// Package vm evaluates a policy from the plan OPA's planner makes of it (the
// intermediate representation, package ir, that OPA's WebAssembly compiler
// also starts from) instead of with OPA's top-down evaluator.
//
// Top-down evaluation unifies terms step by step, with bindings, backtracking
// and tracing hooks on every expression; the plan has already decided the
// order of every lookup, loop and comparison, so running it is a loop over
// statements on AST values. The semantics follow OPA's WebAssembly compiler
// statement by statement (see Compile for what is not supported), and the
// built-in functions are OPA's own Go implementations.
//
// Its tests are in package policy (plan_test.go, which gets plans from OPA's
// planner, and reconcile's evaluator_test.go): each compares this evaluator
// with OPA's top-down evaluator on the same query, input and data.
package vm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// ErrUnsupported is returned by Compile for a plan that uses something this
// evaluator does not implement; the caller evaluates top-down instead.
var ErrUnsupported = errors.New("vm: not supported")

// ErrConflict is an evaluation error: a complete rule or object with two
// different values (OPA's eval_conflict_error).
var ErrConflict = errors.New("vm: conflicting values")

// Program is a compiled plan. It is safe for concurrent use.
type Program struct {
	plan   *block
	locals int
	memos  int // functions whose result a run remembers
	data   *ast.Term
	runs   sync.Pool // of *run, whose slices are reused
	// consts are the values of the rules that do not depend on input (see
	// constantRules), by memo index: computed by the first run that needs
	// one, then shared by every run.
	consts    []atomic.Pointer[ast.Term]
	constants int
}

type function struct {
	name   string // the plan's name of the rule or function
	params []int
	ret    int
	blocks []*block
	locals int
	memo   int // index in a run's memo table, or -1
	// constant: a rule whose value does not depend on input, the same in
	// every run of the Program (e.g. a rule's METADATA, a table of
	// constants).
	constant bool
}

type block struct{ stmts []stmt }

type op uint8

const (
	opArrayAppend op = iota
	opAssignInt
	opAssignVar
	opAssignVarOnce
	opBlock
	opBreak
	opCall
	opCallBuiltin
	opDot
	opEqual
	opIsArray
	opIsDefined
	opIsObject
	opIsSet
	opIsUndefined
	opLen
	opMakeArray
	opMakeNull
	opMakeNumber
	opMakeObject
	opMakeSet
	opNop
	opNot
	opNotEqual
	opObjectInsert
	opObjectInsertOnce
	opObjectMerge
	opResetLocal
	opResultSetAdd
	opReturn
	opScan
	opSetAdd
	opWith
)

// operand is a local (term == nil) or a constant.
type operand struct {
	local int
	term  *ast.Term
}

type stmt struct {
	op       op
	a, b     operand
	target   int
	key, val int // scan: the key and value locals
	index    int // break: how many enclosing blocks to leave; make array: capacity
	blocks   []*block
	fn       *function
	builtin  topdown.BuiltinFunc
	native   func(args []*ast.Term) (*ast.Term, bool) // reads records and lists; false: use builtin
	// relation: a built-in with many outputs (walk), whose result is the
	// array of them all.
	relation bool
	// storePath: a dot whose source is the data document or a value found
	// in it by dots alone (data.a.b[2]): a number key finds the key of its
	// digits there, as top-down's store lookups do, and nowhere else.
	storePath bool
	// with: the path (string constants) under the local where the value
	// goes; empty: the value replaces the local.
	path     []*ast.Term
	args     []operand
	constant *ast.Term // make number / assign int
	loc      *ir.Location
}

// Compile turns a plan into a Program over data (the whole data document).
// The plan must have exactly one plan (query). It returns an error wrapping
// ErrUnsupported for `with` statements, dynamic calls (data references with
// a variable in the middle), non-deterministic built-ins and built-ins OPA
// does not implement in Go.
func Compile(p *ir.Policy, data ast.Value) (*Program, error) {
	if p.Plans == nil || len(p.Plans.Plans) != 1 {
		return nil, fmt.Errorf("%w: a policy without exactly one plan", ErrUnsupported)
	}
	c := &compiler{strs: make([]*ast.Term, len(p.Static.Strings)), byName: map[string]*function{}}
	for i, s := range p.Static.Strings {
		c.strs[i] = keyTerm(s.Value)
	}
	c.static = p.Static.Strings
	memo := 0
	if p.Funcs != nil {
		for _, f := range p.Funcs.Funcs {
			fn := &function{name: f.Name, ret: int(f.Return), memo: -1}
			for _, l := range f.Params {
				fn.params = append(fn.params, int(l))
			}
			if len(f.Params) == 2 { // a rule: its value depends only on input and data
				fn.memo = memo
				memo++
			}
			c.byName[f.Name] = fn
		}
		for _, f := range p.Funcs.Funcs {
			fn := c.byName[f.Name]
			c.storePaths = storePaths(f.Blocks)
			c.max = max(fn.ret, slices.Max(append([]int{0}, fn.params...)))
			for _, b := range f.Blocks {
				cb, err := c.block(b)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", f.Name, err)
				}
				fn.blocks = append(fn.blocks, cb)
			}
			fn.locals = c.max + 1
		}
	}
	c.max = int(ir.Data)
	c.storePaths = storePaths(p.Plans.Plans[0].Blocks)
	plan := &block{}
	for _, b := range p.Plans.Plans[0].Blocks {
		cb, err := c.block(b)
		if err != nil {
			return nil, fmt.Errorf("plan %s: %w", p.Plans.Plans[0].Name, err)
		}
		plan.stmts = append(plan.stmts, stmt{op: opBlock, blocks: []*block{cb}})
	}
	return &Program{plan: plan, locals: c.max + 1, memos: memo, data: freeze(ast.NewTerm(data)), consts: make([]atomic.Pointer[ast.Term], memo),
		constants: constantRules(c.byName)}, nil
}

// constantRules marks the rules whose value does not depend on input: their
// statements read input (a function's first parameter) only to pass it on,
// as input, to functions that do not read it either. Data is the same for
// every run of a Program, and built-ins are deterministic (the compiler
// refuses the others), so such a rule has one value for all runs.
func constantRules(fns map[string]*function) (n int) {
	readsInput := map[*function]bool{}
	var reads func(fn *function) bool
	reads = func(fn *function) bool {
		if r, ok := readsInput[fn]; ok {
			return r
		}
		readsInput[fn] = true // until shown otherwise (Rego has no recursion)
		r := len(fn.params) == 0 || slices.ContainsFunc(fn.blocks, func(b *block) bool { return blockReads(b, fn.params[0], reads) })
		readsInput[fn] = r
		return r
	}
	for _, fn := range fns {
		fn.constant = fn.memo >= 0 && !reads(fn)
		if fn.constant {
			n++
		}
	}
	return n
}

// blockReads reports whether a statement of b reads local in other than as
// the input argument of a function that does not read its input.
func blockReads(b *block, in int, reads func(*function) bool) bool {
	is := func(o operand) bool { return o.term == nil && o.local == in }
	for i := range b.stmts {
		s := &b.stmts[i]
		switch s.op {
		case opAssignInt, opBreak, opMakeArray, opMakeNull, opMakeNumber, opMakeObject, opMakeSet, opNop, opResetLocal:
		case opBlock, opNot:
		case opCall:
			for j, a := range s.args {
				if is(a) && (j != 0 || reads(s.fn) || len(s.fn.params) == 0) {
					return true
				}
			}
		case opCallBuiltin:
			if slices.ContainsFunc(s.args, is) {
				return true
			}
		case opArrayAppend, opAssignVar, opAssignVarOnce, opIsArray, opIsObject, opIsSet, opIsDefined, opIsUndefined,
			opLen, opResultSetAdd, opReturn, opScan, opSetAdd:
			if is(s.a) {
				return true
			}
		default: // two operands: dot, equal, not equal, object insert, merge
			if is(s.a) || is(s.b) {
				return true
			}
		}
		if slices.ContainsFunc(s.blocks, func(b *block) bool { return blockReads(b, in, reads) }) {
			return true
		}
	}
	return false
}

type compiler struct {
	strs   []*ast.Term
	static []*ir.StringConst
	byName map[string]*function
	max    int // the highest local of the function being compiled
	// storePaths are the locals of the function being compiled that hold
	// the data document or a value reached in it by dots alone.
	storePaths map[ir.Local]bool
}

// storePaths finds the locals of blocks that only ever hold the data
// document (ir.Data) or what dots and scans reach from it: a local also set
// any other way (a copy, a call, a comprehension) is not one.
func storePaths(blocks []*ir.Block) map[ir.Local]bool {
	from := map[ir.Local][]ir.Local{} // local -> the sources of the dots and scans that set it
	other := map[ir.Local]bool{}
	for _, b := range blocks {
		ir.Walk(visitor(func(x any) {
			switch s := x.(type) {
			case *ir.DotStmt:
				if src, ok := s.Source.Value.(ir.Local); ok {
					from[s.Target] = append(from[s.Target], src)
				} else {
					other[s.Target] = true
				}
			case *ir.ScanStmt:
				from[s.Value] = append(from[s.Value], s.Source)
				other[s.Key] = true
			case ir.Stmt:
				v := reflect.ValueOf(s).Elem()
				for _, name := range []string{"Target", "Result", "Array", "Set", "Object"} {
					if f := v.FieldByName(name); f.IsValid() && f.Type() == reflect.TypeOf(ir.Local(0)) {
						other[ir.Local(f.Int())] = true
					}
				}
			}
		}), b)
	}
	paths := map[ir.Local]bool{ir.Data: true}
	for changed := true; changed; {
		changed = false
		for l, srcs := range from {
			if paths[l] || other[l] {
				continue
			}
			all := true
			for _, src := range srcs {
				all = all && paths[src]
			}
			if all {
				paths[l], changed = true, true
			}
		}
	}
	return paths
}

// visitor is ir.Visitor of a function.
type visitor func(x any)

func (v visitor) Before(x any)                    { v(x) }
func (v visitor) Visit(x any) (ir.Visitor, error) { return v, nil }
func (v visitor) After(any)                       {}

func (c *compiler) local(l ir.Local) int {
	c.max = max(c.max, int(l))
	return int(l)
}

func (c *compiler) operand(o ir.Operand) (operand, error) {
	switch v := o.Value.(type) {
	case ir.Local:
		return operand{local: c.local(v)}, nil
	case ir.StringIndex:
		return operand{term: c.strs[v]}, nil
	case ir.Bool:
		return operand{term: ast.BooleanTerm(bool(v))}, nil
	}
	return operand{}, fmt.Errorf("%w: operand %T", ErrUnsupported, o.Value)
}

func (c *compiler) block(b *ir.Block) (*block, error) {
	out := &block{stmts: make([]stmt, 0, len(b.Stmts))}
	for _, s := range b.Stmts {
		cs, err := c.stmt(s)
		if err != nil {
			return nil, err
		}
		cs.loc = s.GetLocation()
		out.stmts = append(out.stmts, cs)
	}
	return out, nil
}

func (c *compiler) stmt(s ir.Stmt) (stmt, error) {
	var err error
	ops := func(os ...ir.Operand) (a, b operand) {
		if len(os) > 0 && err == nil {
			a, err = c.operand(os[0])
		}
		if len(os) > 1 && err == nil {
			b, err = c.operand(os[1])
		}
		return a, b
	}
	var out stmt
	switch s := s.(type) {
	case *ir.ArrayAppendStmt:
		out = stmt{op: opArrayAppend, target: c.local(s.Array)}
		out.a, _ = ops(s.Value)
	case *ir.AssignIntStmt:
		out = stmt{op: opAssignInt, target: c.local(s.Target), constant: ast.InternedTerm(int(s.Value))}
	case *ir.AssignVarStmt:
		out = stmt{op: opAssignVar, target: c.local(s.Target)}
		out.a, _ = ops(s.Source)
	case *ir.AssignVarOnceStmt:
		out = stmt{op: opAssignVarOnce, target: c.local(s.Target)}
		out.a, _ = ops(s.Source)
	case *ir.BlockStmt:
		out = stmt{op: opBlock}
		for _, b := range s.Blocks {
			cb, err := c.block(b)
			if err != nil {
				return out, err
			}
			out.blocks = append(out.blocks, cb)
		}
	case *ir.BreakStmt:
		out = stmt{op: opBreak, index: int(s.Index)}
	case *ir.CallStmt:
		out = stmt{op: opCall, target: c.local(s.Result)}
		for _, a := range s.Args {
			o, err := c.operand(a)
			if err != nil {
				return out, err
			}
			out.args = append(out.args, o)
		}
		if fn, ok := c.byName[s.Func]; ok {
			out.fn = fn
			break
		}
		bi, ok := ast.BuiltinMap[s.Func]
		impl := topdown.GetBuiltin(s.Func)
		switch {
		case !ok || impl == nil:
			return out, fmt.Errorf("%w: function %s", ErrUnsupported, s.Func)
		case bi.Nondeterministic || s.Func == "internal.print" || s.Func == "print" || s.Func == "trace" || s.Func == "opa.runtime":
			return out, fmt.Errorf("%w: built-in %s", ErrUnsupported, s.Func)
		}
		out.op, out.builtin, out.native, out.relation = opCallBuiltin, impl, natives[s.Func], bi.Relation
	case *ir.DotStmt:
		out = stmt{op: opDot, target: c.local(s.Target)}
		out.a, out.b = ops(s.Source, s.Key)
		if src, ok := s.Source.Value.(ir.Local); ok {
			out.storePath = c.storePaths[src]
		}
	case *ir.EqualStmt:
		out = stmt{op: opEqual}
		out.a, out.b = ops(s.A, s.B)
	case *ir.NotEqualStmt:
		out = stmt{op: opNotEqual}
		out.a, out.b = ops(s.A, s.B)
	case *ir.IsArrayStmt:
		out = stmt{op: opIsArray}
		out.a, _ = ops(s.Source)
	case *ir.IsObjectStmt:
		out = stmt{op: opIsObject}
		out.a, _ = ops(s.Source)
	case *ir.IsSetStmt:
		out = stmt{op: opIsSet}
		out.a, _ = ops(s.Source)
	case *ir.IsDefinedStmt:
		out = stmt{op: opIsDefined, a: operand{local: c.local(s.Source)}}
	case *ir.IsUndefinedStmt:
		out = stmt{op: opIsUndefined, a: operand{local: c.local(s.Source)}}
	case *ir.LenStmt:
		out = stmt{op: opLen, target: c.local(s.Target)}
		out.a, _ = ops(s.Source)
	case *ir.MakeArrayStmt:
		out = stmt{op: opMakeArray, target: c.local(s.Target), index: int(s.Capacity)}
	case *ir.MakeNullStmt:
		out = stmt{op: opMakeNull, target: c.local(s.Target)}
	case *ir.MakeNumberIntStmt:
		out = stmt{op: opMakeNumber, target: c.local(s.Target), constant: ast.InternedTerm(int(s.Value))}
	case *ir.MakeNumberRefStmt:
		out = stmt{op: opMakeNumber, target: c.local(s.Target), constant: ast.NumberTerm(json.Number(c.static[s.Index].Value))}
	case *ir.MakeObjectStmt:
		out = stmt{op: opMakeObject, target: c.local(s.Target)}
	case *ir.MakeSetStmt:
		out = stmt{op: opMakeSet, target: c.local(s.Target)}
	case *ir.NopStmt:
		out = stmt{op: opNop}
	case *ir.NotStmt:
		b, err := c.block(s.Block)
		if err != nil {
			return out, err
		}
		out = stmt{op: opNot, blocks: []*block{b}}
	case *ir.ObjectInsertStmt:
		out = stmt{op: opObjectInsert, target: c.local(s.Object)}
		out.a, out.b = ops(s.Key, s.Value)
	case *ir.ObjectInsertOnceStmt:
		out = stmt{op: opObjectInsertOnce, target: c.local(s.Object)}
		out.a, out.b = ops(s.Key, s.Value)
	case *ir.ObjectMergeStmt:
		out = stmt{op: opObjectMerge, a: operand{local: c.local(s.A)}, b: operand{local: c.local(s.B)}, target: c.local(s.Target)}
	case *ir.ResetLocalStmt:
		out = stmt{op: opResetLocal, target: c.local(s.Target)}
	case *ir.ResultSetAddStmt:
		out = stmt{op: opResultSetAdd, a: operand{local: c.local(s.Value)}}
	case *ir.ReturnLocalStmt:
		out = stmt{op: opReturn, a: operand{local: c.local(s.Source)}}
	case *ir.ScanStmt:
		b, err := c.block(s.Block)
		if err != nil {
			return out, err
		}
		out = stmt{op: opScan, a: operand{local: c.local(s.Source)}, key: c.local(s.Key), val: c.local(s.Value), blocks: []*block{b}}
	case *ir.WithStmt:
		b, err := c.block(s.Block)
		if err != nil {
			return out, err
		}
		out = stmt{op: opWith, target: c.local(s.Local), blocks: []*block{b}}
		out.a, _ = ops(s.Value)
		for _, i := range s.Path {
			out.path = append(out.path, c.strs[i])
		}
	case *ir.SetAddStmt:
		out = stmt{op: opSetAdd, target: c.local(s.Set)}
		out.a, _ = ops(s.Value)
	default:
		return out, fmt.Errorf("%w: statement %T", ErrUnsupported, s)
	}
	return out, err
}

// Results of running a block, besides k >= 0 (leave this block and k more).
const (
	fellThrough = -1
	returned    = -2 // a function's ReturnLocalStmt ran
	aborted     = -3 // an error: see run.err
)

// run is the state of one evaluation.
type run struct {
	ctx     context.Context
	p       *Program
	input   *ast.Term
	memo    []*ast.Term
	ret     *ast.Term
	results []*ast.Term
	err     error
	bctx    topdown.BuiltinContext
	out     *ast.Term // a built-in's output
	outFn   func(*ast.Term) error
	args    []*ast.Term
	stack   []*ast.Term // the locals of the calls in progress, innermost last
	locals  []*ast.Term // the plan's
	// with is how many with statements are in progress: their rules'
	// values are not the Program's constants.
	withs int
	fn    *function // the rule or function being evaluated; nil: the query
}

// Eval runs the plan with input and returns the values it adds to its
// result set (for a query `x := ...` each is an object {"x": value}).
func (p *Program) Eval(ctx context.Context, input ast.Value) (results []*ast.Term, err error) {
	r, _ := p.runs.Get().(*run)
	if r == nil {
		r = &run{p: p, memo: make([]*ast.Term, p.memos), locals: make([]*ast.Term, p.locals)}
		r.outFn = func(t *ast.Term) error { r.out = t; return nil }
	}
	defer func() {
		clear(r.memo)
		clear(r.locals)
		r.ctx, r.input, r.ret, r.results, r.err, r.out = nil, nil, nil, nil, nil, nil
		r.withs, r.fn = 0, nil
		r.bctx = topdown.BuiltinContext{}
		p.runs.Put(r)
	}()
	defer func() {
		// A bug of this evaluator must not end the process (an evaluation
		// runs on a worker goroutine): it is this evaluation's error.
		if v := recover(); v != nil {
			where := "the query"
			if r.fn != nil {
				where = r.fn.name
			}
			results, err = nil, fmt.Errorf("vm: internal error evaluating %s: %v", where, v)
		}
	}()
	r.ctx, r.input = ctx, nil
	if input != nil { // no input: input is undefined
		r.input = ast.NewTerm(input)
	}
	r.bctx = topdown.BuiltinContext{Context: ctx}
	l := r.locals
	l[ir.Input], l[ir.Data] = r.input, p.data
	if r.block(p.plan, l) == aborted {
		return nil, r.err
	}
	return r.results, nil
}

func (r *run) get(l []*ast.Term, o operand) *ast.Term {
	if o.term != nil {
		return o.term
	}
	return l[o.local]
}

// block runs b with the locals l; see the constants above for the result.
// Leaving a block (a statement undefined, or a break) follows the WebAssembly
// compiler: a NotStmt's block is one block deep, a ScanStmt's body two (the
// loop, whose end continues with the next element, inside a block whose end
// ends the scan).
func (r *run) block(b *block, l []*ast.Term) int {
	for i := range b.stmts {
		s := &b.stmts[i]
		switch s.op {
		case opDot:
			src, key := r.get(l, s.a), r.get(l, s.b)
			if src == nil || key == nil {
				return 0
			}
			v := dot(src, key, s.storePath)
			if v == nil {
				return 0
			}
			l[s.target] = v
		case opAssignVar: // an undefined source makes the target undefined, as in WebAssembly
			l[s.target] = r.get(l, s.a)
		case opEqual, opNotEqual:
			a, b := r.get(l, s.a), r.get(l, s.b)
			if a == nil || b == nil || equal(a.Value, b.Value) != (s.op == opEqual) {
				return 0
			}
		case opScan:
			if n := r.scan(s, l); n != fellThrough {
				return n
			}
		case opBlock:
			for _, sub := range s.blocks {
				switch n := r.block(sub, l); {
				case n == fellThrough || n == 0:
				case n < 0:
					return n
				default:
					return n - 1
				}
			}
		case opWith:
			if n := r.with(s, l); n != fellThrough {
				return n
			}
		case opNot:
			switch n := r.block(s.blocks[0], l); {
			case n == fellThrough:
				return 0
			case n == 0:
			case n < 0:
				return n
			default:
				return n - 1
			}
		case opBreak:
			return s.index
		case opCall:
			v, ok := r.call(s, l)
			if !ok {
				return aborted
			}
			if v == nil {
				return 0
			}
			l[s.target] = v
		case opCallBuiltin:
			v, ok := r.builtin(s, l)
			if !ok {
				return aborted
			}
			if v == nil {
				return 0
			}
			l[s.target] = v
		case opReturn:
			r.ret = l[s.a.local]
			return returned
		case opResetLocal:
			l[s.target] = nil
		case opIsDefined:
			if l[s.a.local] == nil {
				return 0
			}
		case opIsUndefined:
			if l[s.a.local] != nil {
				return 0
			}
		case opAssignVarOnce:
			v := r.get(l, s.a)
			if v == nil {
				return 0
			}
			if old := l[s.target]; old != nil && !equal(old.Value, v.Value) {
				r.err = fmt.Errorf("%w: %s: a complete rule with two values, %v and %v", ErrConflict, where(s.loc), old, v)
				return aborted
			}
			l[s.target] = v
		case opMakeObject:
			l[s.target] = ast.NewTerm(ast.NewObject())
		case opMakeSet:
			l[s.target] = emptySet // made a set of its own by the first SetAddStmt
		case opMakeArray:
			l[s.target] = ast.NewTerm(ast.NewArrayWithCapacity(s.index))
		case opMakeNull:
			l[s.target] = ast.NullTerm()
		case opMakeNumber, opAssignInt:
			l[s.target] = s.constant
		case opArrayAppend:
			arr, ok := termValue[*ast.Array](l[s.target])
			v := r.get(l, s.a)
			if !ok || v == nil {
				return 0
			}
			l[s.target] = ast.NewTerm(arr.Append(plain(v)))
		case opSetAdd:
			if l[s.target] == emptySet {
				l[s.target] = ast.NewTerm(ast.NewSet())
			}
			set, ok := termValue[ast.Set](l[s.target])
			v := r.get(l, s.a)
			if !ok || v == nil {
				return 0
			}
			set.Add(plain(v))
		case opObjectInsert, opObjectInsertOnce:
			obj, ok := termValue[ast.Object](l[s.target])
			k, v := r.get(l, s.a), r.get(l, s.b)
			if !ok || k == nil || v == nil {
				return 0
			}
			k, v = plain(k), plain(v)
			if s.op == opObjectInsertOnce {
				if old := obj.Get(k); old != nil && !equal(old.Value, v.Value) {
					r.err = fmt.Errorf("%w: %s: object key %v with two values, %v and %v", ErrConflict, where(s.loc), k, old, v)
					return aborted
				}
			}
			obj.Insert(k, v)
		case opObjectMerge:
			m := merge(plainOrNil(l[s.a.local]), plainOrNil(l[s.b.local]))
			if m == nil {
				return 0
			}
			l[s.target] = m
		case opLen:
			v := r.get(l, s.a)
			if v == nil {
				return 0
			}
			n, ok := length(v.Value)
			if !ok {
				return 0
			}
			l[s.target] = ast.InternedTerm(n)
		case opIsArray, opIsObject, opIsSet:
			v := r.get(l, s.a)
			if v == nil || !isKind(s.op, v.Value) {
				return 0
			}
		case opResultSetAdd:
			if v := l[s.a.local]; v != nil {
				r.results = append(r.results, plain(v))
			}
		case opNop:
		}
	}
	return fellThrough
}

func (r *run) scan(s *stmt, l []*ast.Term) int {
	src := l[s.a.local]
	if src == nil {
		return fellThrough
	}
	result := fellThrough
	if f, ok := src.Value.(*frozen); ok {
		src = f.obj
	}
	switch v := src.Value.(type) {
	case *list:
		return r.scanArray(s, l, v.items, nil)
	case *ast.Array:
		return r.scanArray(s, l, nil, v)
	case *record:
		for i, x := range v.vals {
			if x != nil && !r.scanOne(s, l, v.shape.keys[i], x, &result) {
				break
			}
		}
	case ast.Object:
		v.Until(func(k, x *ast.Term) bool { return !r.scanOne(s, l, k, x, &result) })
	case ast.Set:
		for _, x := range v.Slice() {
			if !r.scanOne(s, l, x, x, &result) {
				break
			}
		}
	}
	if result == fellThrough {
		return r.checkCancel()
	}
	return result
}

// scanOne runs a scan's body for one element: true to go on with the next;
// when the scan ends otherwise, *result is what it ends with.
func (r *run) scanOne(s *stmt, l []*ast.Term, k, v *ast.Term, result *int) bool {
	l[s.key], l[s.val] = k, v
	switch n := r.block(s.blocks[0], l); {
	case n == fellThrough || n == 0:
		return true
	case n == 1:
		return false
	case n < 0:
		*result = n
		return false
	default:
		*result = n - 2
		return false
	}
}

// scanArray runs a scan's body for each element of items or, when items is
// nil, of arr.
func (r *run) scanArray(s *stmt, l []*ast.Term, items []*ast.Term, arr *ast.Array) int {
	n := len(items)
	if arr != nil {
		n = arr.Len()
	}
	for i := range n {
		var x *ast.Term
		if arr != nil {
			x = arr.Elem(i)
		} else {
			x = items[i]
		}
		l[s.key], l[s.val] = ast.InternedTerm(i), x
		switch n := r.block(s.blocks[0], l); {
		case n == fellThrough || n == 0:
			continue
		case n == 1:
		case n < 0:
			return n
		default:
			return n - 2
		}
		break
	}
	return r.checkCancel()
}

// checkCancel aborts the run when its context is done.
func (r *run) checkCancel() int {
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return aborted
	}
	return fellThrough
}

// call runs a planned function; ok is false when the run is aborted, and a
// nil term is an undefined result.
func (r *run) call(s *stmt, caller []*ast.Term) (*ast.Term, bool) {
	fn := s.fn
	if fn.memo >= 0 && r.memo[fn.memo] != nil {
		return unmemo(r.memo[fn.memo]), true
	}
	if fn.constant && r.withs == 0 {
		if t := r.p.consts[fn.memo].Load(); t != nil {
			return unmemo(t), true
		}
	}
	// r.fn is put back on return, not by a defer: after a panic it names
	// the rule the panic happened in.
	outer := r.fn
	r.fn = fn
	out, ok := r.invoke(s, caller)
	r.fn = outer
	return out, ok
}

// invoke runs a call of s.fn with the arguments of s in caller's locals.
func (r *run) invoke(s *stmt, caller []*ast.Term) (*ast.Term, bool) {
	fn := s.fn
	// The callee's locals are the top of the run's stack (Rego has no
	// recursion, so a run's stack is as deep as its deepest call chain).
	base := len(r.stack)
	r.stack = slices.Grow(r.stack, fn.locals)[:base+fn.locals]
	l := r.stack[base:]
	defer func() {
		clear(r.stack[base:])
		r.stack = r.stack[:base]
	}()
	for i, p := range fn.params {
		v := r.get(caller, s.args[i])
		if v == nil && i >= 2 {
			// An undefined argument: the call is undefined. Input (the
			// first parameter) may be undefined itself, as in WebAssembly:
			// only what reads it is.
			return nil, true
		}
		l[p] = v
	}
	var out *ast.Term
	for _, b := range fn.blocks {
		n := r.block(b, l)
		if n == aborted {
			return nil, false
		}
		if n == returned {
			out = r.ret
			break
		}
	}
	if out == nil && len(fn.blocks) > 0 {
		out = l[fn.ret]
	}
	if fn.memo >= 0 {
		r.memo[fn.memo] = memoOf(out)
		if fn.constant && r.withs == 0 {
			r.p.consts[fn.memo].Store(memoOf(out))
		}
	}
	return out, true
}

// with runs a with statement's block with its local replaced, or the value
// upserted at its path in it, as OPA's WebAssembly does: rules are
// evaluated afresh inside (their remembered values are set aside and come
// back after), and the local is restored after. An undefined block makes the
// statement undefined.
func (r *run) with(s *stmt, l []*ast.Term) int {
	value := r.get(l, s.a)
	if value == nil && len(s.path) > 0 {
		return 0
	}
	// An undefined value replacing a whole local is the planner putting back
	// an input that was undefined: the local is undefined inside.
	old := l[s.target]
	if len(s.path) == 0 {
		l[s.target] = value
	} else {
		l[s.target] = upsert(plainOrNil(old), s.path, value)
	}
	saved := slices.Clone(r.memo)
	clear(r.memo)
	r.withs++
	n := r.block(s.blocks[0], l)
	r.withs--
	copy(r.memo, saved)
	l[s.target] = old
	switch {
	case n == fellThrough || n < 0:
		return n
	case n == 0:
		return 0 // the block was undefined
	default:
		return n - 1
	}
}

// upsert is doc with value at path: objects on the way are copied, and
// made where missing or not objects.
func upsert(doc *ast.Term, path []*ast.Term, value *ast.Term) *ast.Term {
	if len(path) == 0 {
		return value
	}
	out := ast.NewObject()
	var next *ast.Term
	if obj, ok := termValue[ast.Object](doc); ok {
		obj.Foreach(func(k, v *ast.Term) { out.Insert(k, v) })
		next = obj.Get(path[0])
	}
	out.Insert(path[0], upsert(plainOrNil(next), path[1:], value))
	return ast.NewTerm(out)
}

// emptySet is every set a MakeSetStmt makes until something is added to it
// (most rules' findings are empty): never changed.
var emptySet = ast.NewTerm(ast.NewSet())

// undefinedMemo stands for "computed, and undefined" in the memo table.
var undefinedMemo = ast.NewTerm(ast.Var("undefined"))

func memoOf(t *ast.Term) *ast.Term {
	if t == nil {
		return undefinedMemo
	}
	return t
}

func unmemo(t *ast.Term) *ast.Term {
	if t == undefinedMemo {
		return nil
	}
	return t
}

// builtin calls one of OPA's built-in functions. As in top-down evaluation
// (without strict built-in errors), a built-in's error makes the call
// undefined; only a halt (e.g. opa.halt) aborts the run.
func (r *run) builtin(s *stmt, l []*ast.Term) (*ast.Term, bool) {
	args := r.args[:0]
	for _, a := range s.args {
		v := r.get(l, a)
		if v == nil {
			return nil, true
		}
		args = append(args, v)
	}
	r.args = args
	if s.native != nil {
		if v, ok := s.native(args); ok {
			clear(r.args)
			return v, true
		}
	}
	for i, a := range args {
		args[i] = plain(a)
	}
	r.out = nil
	var err error
	if s.relation {
		var outs []*ast.Term
		err = s.builtin(r.bctx, args, func(t *ast.Term) error { outs = append(outs, t); return nil })
		r.out = ast.ArrayTerm(outs...)
	} else {
		err = s.builtin(r.bctx, args, r.outFn)
	}
	clear(r.args)
	if err != nil {
		var halt topdown.Halt
		if errors.As(err, &halt) {
			r.err = fmt.Errorf("%s: %w", where(s.loc), halt.Err)
			return nil, false
		}
		return nil, true
	}
	return r.out, true
}

func where(loc *ir.Location) string {
	if loc == nil {
		return "?"
	}
	return fmt.Sprintf("line %d, column %d", loc.Row, loc.Col)
}

func termValue[T ast.Value](t *ast.Term) (T, bool) {
	var zero T
	if t == nil {
		return zero, false
	}
	v, ok := t.Value.(T)
	return v, ok
}

// dot is the value of src[key], nil when undefined. storePath: src is in
// the data document, where a number key finds the key of its digits.
func dot(src, key *ast.Term, storePath bool) *ast.Term {
	switch v := src.Value.(type) {
	case *record:
		return v.get(key)
	case *list:
		return v.get(key)
	case *frozen:
		return v.get(key, storePath)
	case ast.Object:
		return v.Get(key)
	case *ast.Array:
		n, ok := key.Value.(ast.Number)
		if !ok {
			return nil
		}
		i, ok := n.Int()
		if !ok || i < 0 || i >= v.Len() {
			return nil
		}
		return v.Elem(i)
	case ast.Set:
		if v.Contains(key) {
			return key
		}
	}
	return nil
}

// merge is the base document a with the virtual document b over it, as
// OPA's opa_value_merge does it: where both have a key, objects are merged
// and otherwise the base value stays.
func merge(a, b *ast.Term) *ast.Term {
	if a == nil {
		return b
	}
	ao, okA := a.Value.(ast.Object)
	bo, okB := termValue[ast.Object](b)
	if !okA || !okB {
		return a
	}
	out := ast.NewObject()
	ao.Foreach(func(k, v *ast.Term) {
		if other := bo.Get(k); other != nil {
			v = merge(v, plainOrNil(other))
		}
		out.Insert(k, v)
	})
	bo.Foreach(func(k, v *ast.Term) {
		if ao.Get(k) == nil {
			out.Insert(k, v)
		}
	})
	return ast.NewTerm(out)
}

func equal(a, b ast.Value) bool {
	if x, ok := a.(ast.String); ok {
		y, ok := b.(ast.String)
		return ok && x == y
	}
	if isRecordOrList(a) {
		a = plain(ast.NewTerm(a)).Value
	}
	if isRecordOrList(b) {
		b = plain(ast.NewTerm(b)).Value
	}
	return ast.Compare(a, b) == 0
}

func isRecordOrList(v ast.Value) bool {
	switch v.(type) {
	case *record, *list, *frozen:
		return true
	}
	return false
}

func length(v ast.Value) (int, bool) {
	switch v := v.(type) {
	case *record:
		return v.len(), true
	case *list:
		return len(v.items), true
	case *frozen:
		return len(v.index), true
	case *ast.Array:
		return v.Len(), true
	case ast.Object:
		return v.Len(), true
	case ast.Set:
		return v.Len(), true
	case ast.String:
		return utf8.RuneCountInString(string(v)), true
	}
	return 0, false
}

func isKind(o op, v ast.Value) bool {
	switch o {
	case opIsArray:
		_, ok := v.(*ast.Array)
		_, isList := v.(*list)
		return ok || isList
	case opIsObject:
		switch v.(type) {
		case ast.Object, *record, *frozen:
			return true
		}
		return false
	default:
		_, ok := v.(ast.Set)
		return ok
	}
}

func plainOrNil(t *ast.Term) *ast.Term {
	if t == nil {
		return nil
	}
	return plain(t)
}

// natives are built-ins the evaluator answers itself for records and lists
// (false: call OPA's, with plain arguments).
var natives = map[string]func(args []*ast.Term) (*ast.Term, bool){
	"count": func(args []*ast.Term) (*ast.Term, bool) {
		switch v := args[0].Value.(type) {
		case *record, *list:
			n, _ := length(v)
			return ast.InternedTerm(n), true
		}
		return nil, false
	},
	// object.get(object, key or path, default), as OPA's: the path is
	// followed through objects, arrays and sets.
	"object.get": func(args []*ast.Term) (*ast.Term, bool) {
		if _, ok := args[0].Value.(*record); !ok {
			return nil, false
		}
		curr := args[0]
		path, ok := args[1].Value.(*ast.Array)
		if !ok {
			curr = dot(curr, args[1], false)
		} else {
			for i := range path.Len() {
				if curr = dot(curr, path.Elem(i), false); curr == nil {
					break
				}
			}
		}
		if curr == nil {
			return args[2], true
		}
		return curr, true
	},
}

// ConstantRules is how many of the plan's rules do not depend on input, and
// are computed once for all runs.
func (p *Program) ConstantRules() int { return p.constants }
