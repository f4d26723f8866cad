package csvfile

import (
	"bytes"
	"strings"
	"testing"
)

// TestNeutralizeRoundTrips: formula-led cells are written as text and read
// back as they were, whatever quotes they start with; other cells untouched.
func TestNeutralizeRoundTrips(t *testing.T) {
	for _, s := range []string{"=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "'=x", "''+y", "'plain", "plain", "", "'", "E1001", "佐藤"} {
		n := Neutralize(s)
		if dangerous(s) && !strings.HasPrefix(n, "'") {
			t.Errorf("%q written as %q", s, n)
		}
		if !dangerous(s) && n != s {
			t.Errorf("%q changed to %q", s, n)
		}
		if back := Restore(n); back != s {
			t.Errorf("%q → %q → %q", s, n, back)
		}
	}
	var buf bytes.Buffer
	w := NewExcelWriter(&buf)
	w.Write([]string{"=cmd|' /C calc'!A0", "ok"})
	w.Flush()
	if got := buf.String(); got != "'=cmd|' /C calc'!A0,ok\n" {
		t.Errorf("%q", got)
	}
}
