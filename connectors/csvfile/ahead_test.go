package csvfile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
)

// numbers is a CSV file of n records, id 0 to n-1, with a blank line
// before record blankAt (so its line is one further on).
func numbers(n, blankAt int) string {
	var b strings.Builder
	b.WriteString("id,name\n")
	for i := range n {
		if i == blankAt {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%d,n%d\n", i, i)
	}
	return b.String()
}

func readID(cr *Reader) (int, error) {
	v, err := cr.Required("id")
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, cr.Errorf("id", "expected a number, got %q", v)
	}
	return n, nil
}

// Values read ahead reach Each in file order, each with the line of its
// record, and Each returns the digest of the whole file.
func TestReadAheadKeepsOrderLinesAndDigest(t *testing.T) {
	n := 3*batchRecords + 7
	data := numbers(n, batchRecords+1)
	files := fstest.MapFS{"t.csv": {Data: []byte(data)}}
	a := ReadAhead(context.Background(), connectors.Turn{Start: closedChan(), End: func() {}}, files, "t.csv", Format{Encoding: "utf-8"}, []string{"id"}, readID)
	next := 0
	digest, err := a.Each(context.Background(), func(cr *Reader, v int) error {
		want := next + 2
		if next > batchRecords {
			want++
		}
		if v != next || cr.Line() != want {
			return fmt.Errorf("value %d on line %d, want %d on line %d", v, cr.Line(), next, want)
		}
		next++
		return nil
	})
	if err != nil || next != n {
		t.Fatalf("%v after %d values", err, next)
	}
	sum := sha256.Sum256([]byte(data))
	if want := "sha256:" + hex.EncodeToString(sum[:]); digest != want {
		t.Errorf("digest %s, want %s", digest, want)
	}
}

// Bad records are reported in file order, each with its line and column,
// every one of them up to MaxProblems (the rest counted), with the errors of
// Each's function among them; the good records are all given to it.
func TestReadAheadReportsErrorsInOrder(t *testing.T) {
	data := numbers(2*batchRecords, -1)
	data = strings.Replace(data, "\n1500,", "\nx,", 1)
	data = strings.Replace(data, "\n1700,", "\ny,", 1)
	files := fstest.MapFS{"t.csv": {Data: []byte(data)}}
	seen := 0
	_, err := ReadAhead(context.Background(), connectors.Turn{Start: closedChan(), End: func() {}}, files, "t.csv", Format{Encoding: "utf-8"}, []string{"id"}, readID).
		Each(context.Background(), func(cr *Reader, v int) error {
			if seen++; v == 1600 {
				return cr.Errorf("name", "no %d", v)
			}
			return nil
		})
	want := "t.csv:1502: column id (1): expected a number, got \"x\"\nt.csv:1602: column name (2): no 1600\nt.csv:1702: column id (1): expected a number, got \"y\""
	if err == nil || err.Error() != want || !errors.Is(err, ErrInput) || seen != 2*batchRecords-2 {
		t.Fatalf("got %v after %d values, want\n%s", err, seen, want)
	}
	many := numbers(100, -1)
	for i := 10; i < 60; i++ {
		many = strings.Replace(many, fmt.Sprintf("\n%d,", i), "\nz,", 1)
	}
	_, err = ReadAhead(context.Background(), connectors.Turn{Start: closedChan(), End: func() {}}, fstest.MapFS{"m.csv": {Data: []byte(many)}}, "m.csv", Format{Encoding: "utf-8"}, []string{"id"}, readID).
		Each(context.Background(), func(*Reader, int) error { return nil })
	if lines := strings.Split(err.Error(), "\n"); len(lines) != MaxProblems+1 || lines[MaxProblems] != "… and 30 more problems in the same file (the first 20 are shown)" {
		t.Errorf("50 bad records: %d lines, the last %q", len(lines), lines[len(lines)-1])
	}

	// An error that is not about the input stops reading.
	seen = 0
	_, err = ReadAhead(context.Background(), connectors.Turn{Start: closedChan(), End: func() {}}, files, "t.csv", Format{Encoding: "utf-8"}, []string{"id"}, readID).
		Each(context.Background(), func(cr *Reader, v int) error {
			if seen++; v == 10 {
				return io.ErrUnexpectedEOF
			}
			return nil
		})
	if !errors.Is(err, io.ErrUnexpectedEOF) || seen != 11 {
		t.Fatalf("use's error: got %v after %d values", err, seen)
	}

	_, err = ReadAhead(context.Background(), connectors.Turn{Start: closedChan(), End: func() {}}, files, "missing.csv", Format{Encoding: "utf-8"}, []string{"id"}, readID).
		Each(context.Background(), func(*Reader, int) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Fatalf("a missing file: %v", err)
	}
}

// Readings wait for their turn: with one at a time, the second file is not
// read before the first is done, however long the first takes; Stop lets a
// reading that never started end.
func TestTurnsOrderReadings(t *testing.T) {
	turns := connectors.NewTurns(1)
	first, second := turns.Take(), turns.Take()
	select {
	case <-second.Start:
		t.Fatal("the second reading may start before the first ended")
	default:
	}
	files := fstest.MapFS{"a.csv": {Data: []byte(numbers(10, -1))}, "b.csv": {Data: []byte(numbers(10, -1))}}
	b := ReadAhead(context.Background(), second, files, "b.csv", Format{Encoding: "utf-8"}, []string{"id"}, readID)
	time.Sleep(10 * time.Millisecond)
	b.mu.Lock()
	started := len(b.names) > 0
	b.mu.Unlock()
	if started {
		t.Fatal("b.csv was read before its turn")
	}
	a := ReadAhead(context.Background(), first, files, "a.csv", Format{Encoding: "utf-8"}, []string{"id"}, readID)
	for _, r := range []*Ahead[int]{a, b} {
		if _, err := r.Each(context.Background(), func(*Reader, int) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}

	// A reading stopped before its turn ends, and lets the next one start.
	turns = connectors.NewTurns(1)
	blocker := turns.Take() // a reading that never ends
	never := ReadAhead(context.Background(), turns.Take(), files, "a.csv", Format{Encoding: "utf-8"}, []string{"id"}, readID)
	next := ReadAhead(context.Background(), turns.Take(), files, "b.csv", Format{Encoding: "utf-8"}, []string{"id"}, readID)
	never.Stop()
	if _, err := never.Each(context.Background(), func(*Reader, int) error { return nil }); !errors.Is(err, errStopped) {
		t.Errorf("a stopped reading: %v", err)
	}
	blocker.End()
	if _, err := next.Each(context.Background(), func(*Reader, int) error { return nil }); err != nil {
		t.Fatalf("the reading after a stopped one: %v", err)
	}
}

func closedChan() <-chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}
