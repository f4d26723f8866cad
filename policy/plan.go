package policy

import (
	"context"
	"errors"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// OPA's planner is internal to OPA; its plan reaches the outside through
// rego's target plugins, which are handed the plan when a query is prepared
// for their target. planTarget is such a plugin that only hands the plan
// back, through the context of the call.
const planTargetName = "accessrecon.plan"

type planTarget struct{}

type planSlot struct{ plan *ir.Policy }

type planSlotKey struct{}

func init() { rego.RegisterPlugin(planTargetName, planTarget{}) }

func (planTarget) IsTarget(t string) bool { return t == planTargetName }

func (planTarget) PrepareForEval(ctx context.Context, p *ir.Policy, _ ...rego.PrepareOption) (rego.TargetPluginEval, error) {
	slot, ok := ctx.Value(planSlotKey{}).(*planSlot)
	if !ok {
		return nil, errors.New("policy: the plan target is only for planOf")
	}
	slot.plan = p
	return planOnly{}, nil
}

type planOnly struct{}

func (planOnly) Eval(context.Context, *rego.EvalContext, ast.Value) (ast.Value, error) {
	return nil, errors.New("policy: the plan target does not evaluate")
}

// planOf is the plan OPA's planner makes of query over the compiled modules.
func planOf(ctx context.Context, c *ast.Compiler, query string) (*ir.Policy, error) {
	slot := &planSlot{}
	_, err := rego.New(
		rego.Query(query),
		rego.Compiler(c),
		rego.Store(inmem.New()),
		rego.Target(planTargetName),
	).PrepareForEval(context.WithValue(ctx, planSlotKey{}, slot))
	if err != nil {
		return nil, err
	}
	if slot.plan == nil {
		return nil, errors.New("policy: the planner made no plan")
	}
	return slot.plan, nil
}
