package views

import (
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
)

// TestWhatAViewPrintsCannotDriveTheTerminal: an item id read from an export
// with an escape sequence in it is printed escaped.
func TestWhatAViewPrintsCannotDriveTheTerminal(t *testing.T) {
	var b strings.Builder
	cl := &reviewdb.Closing{Campaign: &reviewdb.Campaign{ID: "Q"}, Superseded: []reviewdb.ImportRefusal{{Import: reviewdb.Import{ItemID: "takuso/\x1b[2Ju1/viewer", Decision: "keep", Pos: "w.csv:2"}}}}
	CertifyClosed(&b, "en", cl)
	if strings.Contains(b.String(), "\x1b") || !strings.Contains(b.String(), `\u001b[2Ju1`) {
		t.Errorf("%q", b.String())
	}
}
