package audit

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeLog(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	for i := range n {
		if err := Append(path, Event{Event: "action", By: "E1001", Data: map[string]any{"i": i, "name": "山田"}}, now.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestAChainedLogVerifies(t *testing.T) {
	path := writeLog(t, 5)
	data, _ := os.ReadFile(path)
	n, err := Verify(bytes.NewReader(data), "audit.jsonl")
	if err != nil || n != 5 {
		t.Fatalf("%d lines, %v", n, err)
	}
}

// TestFlippingOneByteNamesTheLine flips one byte in each line in turn.
func TestFlippingOneByteNamesTheLine(t *testing.T) {
	path := writeLog(t, 5)
	data, _ := os.ReadFile(path)
	lines := bytes.SplitAfter(data, []byte("\n"))
	for i := 0; i < 5; i++ {
		var changed []byte
		for j, l := range lines {
			if j == i {
				l = bytes.Replace(l, []byte(`"E1001"`), []byte(`"E1002"`), 1)
			}
			changed = append(changed, l...)
		}
		_, err := Verify(bytes.NewReader(changed), "audit.jsonl")
		want := "audit.jsonl:" + string(rune('1'+i)) + ": broken"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("line %d changed: %v, want %q", i+1, err, want)
		}
	}
	// A removed line breaks the sequence at the next one.
	removed := append(append([]byte{}, lines[0]...), bytes.Join(lines[2:], nil)...)
	if _, err := Verify(bytes.NewReader(removed), "audit.jsonl"); err == nil || !strings.Contains(err.Error(), "audit.jsonl:2: broken") {
		t.Errorf("a removed line: %v", err)
	}
}

// TestDataOfAnyShapeKeepsTheChain: an event whose data holds a struct (its
// fields in declaration order) is sealed as the log reads it back, so the
// chain still verifies.
func TestDataOfAnyShapeKeepsTheChain(t *testing.T) {
	log := filepath.Join(t.TempDir(), "audit.jsonl")
	type head struct {
		Lines int    `json:"lines"`
		Hash  string `json:"hash"`
	}
	if err := Append(log, Event{Event: Plan, Data: map[string]any{"audit_head": head{3, "sha256:x"}, "z": 1, "a": []string{"b"}}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := Each(f, log, func(Event) {}); err != nil {
		t.Fatalf("a struct in the data: %v", err)
	}
}
