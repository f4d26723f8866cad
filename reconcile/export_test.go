package reconcile

import (
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/open-policy-agent/opa/v1/ast"
)

// PlanJSON is planJSON, for the tests that hold it to encoding/json.
func PlanJSON(p *Plan, indented bool) []byte { return planJSON(p, indented) }

// SubjectInputs are the policy inputs of every subject of the graph, in
// evaluation order, for the opa eval baseline of the benchmarks.
func SubjectInputs(snap *graph.Snapshot, asOf graph.Date) []ast.Value {
	subjects := subjectsOf(snap)
	out := make([]ast.Value, len(subjects))
	for i, s := range subjects {
		out[i] = s.input(policy.Inputs{}, snap, asOf)
	}
	return out
}
