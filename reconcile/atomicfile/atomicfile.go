// Package atomicfile writes files whole or not at all: a temporary file in
// the same folder, synced, then renamed; names that are one file name.
package atomicfile

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/accessrecon/accessrecon/i18n"
)

// WriteFileAtomic writes data to path through a temporary file in the same
// folder, synced and then renamed, so a failed or interrupted command never
// leaves a partial file behind.
func WriteFileAtomic(path string, data []byte) error {
	return WriteFileAtomicWith(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFileAtomicWith is WriteFileAtomic of what write writes, buffered.
func WriteFileAtomicWith(path string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return i18n.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 256<<10)
	if err = write(bw); err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return i18n.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return i18n.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return i18n.Errorf("write %s: %w", path, err)
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return i18n.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return i18n.Errorf("write %s: %w", path, err)
	}
	return nil
}

// WriteJSONFile writes v as indented JSON (HTML characters as they are),
// atomically.
func WriteJSONFile(path string, v any) error {
	data, err := indentJSON(v)
	if err != nil {
		return i18n.Errorf("encode %s: %w", path, err)
	}
	return WriteFileAtomic(path, data)
}

// WriteJSONIn is WriteJSONFile confined to folder dir (WriteFileIn).
func WriteJSONIn(dir, name string, v any) error {
	data, err := indentJSON(v)
	if err != nil {
		return i18n.Errorf("encode %s: %w", name, err)
	}
	return WriteFileIn(dir, name, data)
}

func indentJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(v)
	return buf.Bytes(), err
}

// SafeFileName makes an id usable as one file name: path separators,
// characters Windows refuses and control characters become '_', and a name
// that would mean a folder ("", ".", "..") gets a '_' before it.
func SafeFileName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < ' ' || r == 0x7f {
			return '_'
		}
		return r
	}, s)
	if s == "" || s == "." || s == ".." {
		s = "_" + s
	}
	return s
}

// WriteFileIn writes data to the file name inside folder dir, atomically
// (a temporary file, synced, renamed) and confined to dir by os.Root: name
// must be one path element, and neither it nor a symbolic link in dir can
// lead the write outside.
func WriteFileIn(dir, name string, data []byte) (err error) {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || name != filepath.Base(name) {
		return i18n.Errorf("write %s: %q is not one file name", dir, name)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return i18n.Errorf("write %s: %w", filepath.Join(dir, name), err)
	}
	defer root.Close()
	var suffix [8]byte
	rand.Read(suffix[:])
	tmp := "." + name + ".tmp-" + hex.EncodeToString(suffix[:])
	f, err := root.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return i18n.Errorf("write %s: %w", filepath.Join(dir, name), err)
	}
	defer func() {
		if err != nil {
			f.Close()
			root.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err == nil {
		if err = f.Sync(); err == nil {
			err = f.Close()
		}
	}
	if err == nil {
		err = root.Rename(tmp, name)
	}
	if err != nil {
		return i18n.Errorf("write %s: %w", filepath.Join(dir, name), err)
	}
	return nil
}
