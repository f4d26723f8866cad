package report_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/reconciletest"
	"github.com/accessrecon/accessrecon/reconcile/report"
)

func TestGoldenDemoPlanText(t *testing.T) {
	in, pol := reconciletest.Demo(t)
	p, err := reconcile.Reconcile(context.Background(), in, pol, reconciletest.DemoDay(t))
	if err != nil {
		t.Fatal(err)
	}
	reconciletest.Encode(t, in, p, reconciletest.FixedNow)
	for _, lang := range []string{report.LangEN, report.LangJA} {
		var buf bytes.Buffer
		if err := (report.Renderer{Lang: lang, Rules: pol.Compiled.Rules()}).Text(&buf, p); err != nil {
			t.Fatal(err)
		}
		reconciletest.Golden(t, "demo-plan."+lang+".golden.txt", buf.Bytes())
	}
}
