package input

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/accessrecon/accessrecon/i18n"
)

// Path is a file named in the config. The config resolves every Path of
// what it decodes against its own folder (ResolvePaths), so whoever opens it
// opens the file the config means; String is the path as written.
type Path struct {
	written, resolved string
}

// UnmarshalYAML reads the path as written.
func (p *Path) UnmarshalYAML(unmarshal func(any) error) error {
	return unmarshal(&p.written)
}

// MarshalYAML writes the path as written.
func (p Path) MarshalYAML() (any, error) { return p.written, nil }

// NewPath is a path as written, resolved against dir.
func NewPath(written, dir string) Path {
	p := Path{written: written}
	p.resolve(dir)
	return p
}

func (p *Path) resolve(dir string) {
	switch {
	case p.written == "":
		p.resolved = ""
	case filepath.IsAbs(p.written):
		p.resolved = p.written
	default:
		p.resolved = filepath.Join(dir, p.written)
	}
}

// String is the path as the config writes it, for messages and digests.
func (p Path) String() string { return p.written }

// Resolved is the path to open (within the config's file system).
func (p Path) Resolved() string {
	if p.resolved == "" {
		return p.written
	}
	return p.resolved
}

// IsZero reports whether no path was given.
func (p Path) IsZero() bool { return p.written == "" }

var pathType = reflect.TypeFor[Path]()

// ResolvePaths resolves every Path reachable from v (a pointer) through
// structs, pointers, slices and maps against dir.
func ResolvePaths(v any, dir string) {
	resolveValue(reflect.ValueOf(v), dir)
}

func resolveValue(v reflect.Value, dir string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			resolveValue(v.Elem(), dir)
		}
	case reflect.Struct:
		if v.Type() == pathType {
			if v.CanAddr() {
				v.Addr().Interface().(*Path).resolve(dir)
			}
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				resolveValue(v.Field(i), dir)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			resolveValue(v.Index(i), dir)
		}
	case reflect.Map:
		if v.Type().Elem() == pathType {
			for _, k := range v.MapKeys() {
				p := v.MapIndex(k).Interface().(Path)
				p.resolve(dir)
				v.SetMapIndex(k, reflect.ValueOf(p))
			}
		}
	}
}

// Secret reads a credential: from the file when one is given, else from the
// environment variable env (def when env is empty). Surrounding white space
// is dropped. Its value never appears in errors or logs.
func Secret(files fs.FS, env, def string, file Path) (string, error) {
	if !file.IsZero() {
		data, err := fs.ReadFile(files, file.Resolved())
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return "", i18n.Errorf("secret file %s: %w", file, err)
		}
		v := strings.TrimSpace(string(data))
		if v == "" {
			return "", i18n.Errorf("secret file %s is empty", file)
		}
		return v, nil
	}
	if env == "" {
		env = def
	}
	v := strings.TrimSpace(os.Getenv(env))
	if v == "" {
		return "", i18n.Errorf("the environment variable %s is empty (set it, or give a file)", env)
	}
	return v, nil
}
