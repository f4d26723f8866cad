package csvfile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestEachSeesEveryRecordInOrder: records reach fn in file
// order with their own line numbers (a quoted cell spanning two lines and a
// blank line included), and fn's error stops the read.
func TestEachSeesEveryRecordInOrder(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,note\n")
	lines := map[string]int{}
	line := 2
	for i := range 3 * batchRecords {
		id := fmt.Sprint(i)
		lines[id] = line
		switch {
		case i == batchRecords+5:
			fmt.Fprintf(&b, "%s,\"two\nlines\"\n", id)
			line += 2
		case i == 2*batchRecords:
			b.WriteString("\n") // a blank line is skipped
			line++
			lines[id] = line
			fmt.Fprintf(&b, "%s,x\n", id)
			line++
		default:
			fmt.Fprintf(&b, "%s,x\n", id)
			line++
		}
	}
	next := 0
	err := Each(context.Background(), "t.csv", strings.NewReader(b.String()), "utf-8", []string{"id"}, func(cr *Reader) error {
		id := cr.Get("id")
		if id != fmt.Sprint(next) || cr.Line() != lines[id] {
			return fmt.Errorf("record %d: got id %s on line %d, want line %d", next, id, cr.Line(), lines[id])
		}
		next++
		return nil
	})
	if err != nil || next != 3*batchRecords {
		t.Fatalf("%v after %d records", err, next)
	}

	stop := errors.New("stop")
	seen := 0
	err = Each(context.Background(), "t.csv", strings.NewReader(b.String()), "utf-8", []string{"id"}, func(cr *Reader) error {
		if seen++; cr.Get("id") == "1500" {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || seen != 1501 {
		t.Fatalf("fn's error: got %v after %d records, want stop after 1501", err, seen)
	}
}

// TestEachReportsAMalformedRecordAfterTheGoodOnes: a CSV error comes after
// fn has seen every record before it.
func TestEachReportsAMalformedRecordAfterTheGoodOnes(t *testing.T) {
	var b strings.Builder
	b.WriteString("id\n")
	for i := range 2000 {
		fmt.Fprintf(&b, "%d\n", i)
	}
	b.WriteString("\"unterminated\n")
	seen := 0
	err := Each(context.Background(), "t.csv", strings.NewReader(b.String()), "utf-8", []string{"id"}, func(*Reader) error { seen++; return nil })
	if err == nil || !strings.Contains(err.Error(), "t.csv:2002") || seen != 2000 {
		t.Fatalf("got %v after %d records; want t.csv:2002 after 2000", err, seen)
	}
}
