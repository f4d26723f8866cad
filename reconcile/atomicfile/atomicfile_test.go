package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWritesStayInTheirFolder: ids that are paths never lead a write out of
// the folder it belongs in, by name or by a symbolic link planted there.
func TestWritesStayInTheirFolder(t *testing.T) {
	for id, want := range map[string]string{"..": "_..", ".": "_.", "": "_", "../../etc/passwd": ".._.._etc_passwd", `a\b`: "a_b", "takuso": "takuso"} {
		if got := SafeFileName(id); got != want {
			t.Errorf("SafeFileName(%q) = %q, want %q", id, got, want)
		}
	}
	base := t.TempDir()
	dir := filepath.Join(base, "plan.workorders")
	os.Mkdir(dir, 0o755)
	for _, name := range []string{"..", "../x.csv", "", "sub/x.csv"} {
		if err := WriteFileIn(dir, name, []byte("x")); err == nil {
			t.Errorf("WriteFileIn(%q) wrote", name)
		}
	}
	outside := filepath.Join(base, "outside.csv")
	os.WriteFile(outside, []byte("keep"), 0o644)
	os.Symlink(outside, filepath.Join(dir, "takuso.csv"))
	if err := WriteFileIn(dir, "takuso.csv", []byte("work order")); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(outside); string(data) != "keep" {
		t.Errorf("the write followed a link out of the folder: %q", data)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "takuso.csv")); string(data) != "work order" {
		t.Errorf("the work order: %q", data)
	}
	if entries, _ := os.ReadDir(base); len(entries) != 2 {
		t.Errorf("files outside the folder: %v", entries)
	}
}
