package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/reconcile"
)

// TestSafeWriterEscapesWhatATerminalWouldObey: escape sequences, carriage
// returns and bidirectional overrides in data arrive as visible \uXXXX,
// Japanese and newlines as they are, also when a write cuts a character in
// two; JSON through it still decodes to the same value.
func TestSafeWriterEscapesWhatATerminalWouldObey(t *testing.T) {
	name := "佐藤\x1b[2J\x1b[H No actions\r\u202eevil\u200b\x07"
	var out bytes.Buffer
	w := SafeWriter(&out)
	msg := []byte("A0001 " + name + "\n\t次\n")
	for i := range msg { // one byte at a time: every character cut
		if _, err := w.Write(msg[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	got := out.String()
	if strings.ContainsAny(got, "\x1b\r\u202e\u200b\x07") {
		t.Errorf("control or format characters got through: %q", got)
	}
	if want := `A0001 佐藤\u001b[2J\u001b[H No actions\u000d\u202eevil\u200b\u0007` + "\n\t次\n"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	out.Reset()
	v, _ := json.Marshal(map[string]string{"name": name})
	SafeWriter(&out).Write(v)
	var back map[string]string
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || back["name"] != name {
		t.Errorf("JSON through the writer: %v %q", err, back["name"])
	}
}

// TestJapaneseColumnsLineUp: padding counts terminal cells, so a Japanese
// operation takes as many columns as an English one.
func TestJapaneseColumnsLineUp(t *testing.T) {
	if Cells("権限取消") != 8 || Cells("revoke") != 6 || Cells("ｱｲ") != 2 || Cells("Ｅ１") != 4 {
		t.Errorf("cells: %d %d %d %d", Cells("権限取消"), Cells("revoke"), Cells("ｱｲ"), Cells("Ｅ１"))
	}
	if a, b := Pad("権限取消", 18)+"|", Pad("revoke", 18)+"|"; Cells(a) != Cells(b) {
		t.Errorf("%q and %q end in different columns", a, b)
	}
}

// TestLongPlansAreListedInPart: with MaxPerSystem, the text lists that many
// actions of each system, says how many more and where to see them, and
// ends with the totals.
func TestLongPlansAreListedInPart(t *testing.T) {
	p := &reconcile.Plan{Kind: reconcile.KindReconcile, AsOf: "2026-11-24"}
	for i := range 7 {
		p.Actions = append(p.Actions, reconcile.Action{ID: fmt.Sprintf("A%04d", i+1), Op: "revoke", System: []string{"portal", "takuso"}[i%2], Account: fmt.Sprint("u", i), Entitlement: "viewer"})
	}
	var buf bytes.Buffer
	if err := (Renderer{Lang: LangEN, MaxPerSystem: 2, More: "accessrecon show plan.json"}).Text(&buf, p); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	for _, want := range []string{"… and 2 more actions on portal: accessrecon show plan.json", "… and 1 more actions on takuso", "Findings: 0 · Actions: 7 (revoke 7)\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "  A00"); n != 4 {
		t.Errorf("%d actions listed, want 4", n)
	}
}

// TestTheBOMOfACSVPasses: a CSV for Excel starts with a byte-order mark; the
// terminal-safe writer lets it through there (else Excel in Japanese reads
// the file as Shift_JIS) and escapes it anywhere else, also when the mark
// arrives a byte at a time.
func TestTheBOMOfACSVPasses(t *testing.T) {
	var b strings.Builder
	w := SafeWriter(&b)
	w.Write([]byte("\ufefftype,id\n"))
	w.Write([]byte("\ufeff"))
	if b.String() != "\ufefftype,id\n\\ufeff" {
		t.Errorf("%q", b.String())
	}
	b.Reset()
	w = SafeWriter(&b)
	for _, c := range []byte("\ufeffa") {
		w.Write([]byte{c})
	}
	if b.String() != "\ufeffa" {
		t.Errorf("a byte at a time: %q", b.String())
	}
}
