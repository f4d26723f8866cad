// Package yamlfile decodes the YAML inputs strictly: unknown keys are errors,
// and every error names the file and line.
package yamlfile

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/input"
	"gopkg.in/yaml.v3"
)

var (
	lineMsg      = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownField = regexp.MustCompile(`^field (\S+) not found in type .*$`)
)

// Decode decodes data into v, rejecting unknown keys. Errors read
// "NAME:LINE: what was wrong" and wrap input.ErrInput.
func Decode(name string, data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(v)
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		errs := make([]error, 0, len(te.Errors))
		for _, m := range te.Errors {
			errs = append(errs, rewrite(name, m))
		}
		return errors.Join(errs...)
	}
	return rewrite(name, err.Error())
}

// rewrite is a message of the YAML decoder as an input error of the file,
// in English and Japanese where its form is known.
func rewrite(name, msg string) error {
	m := lineMsg.FindStringSubmatch(msg)
	if m == nil {
		return input.Errorf("%s: YAML: %s", name, strings.TrimPrefix(msg, "yaml: "))
	}
	text := m[2]
	if f := unknownField.FindStringSubmatch(text); f != nil {
		return input.Errorf("%s:%s: unknown key %q", name, m[1], f[1])
	}
	if f := cannotUnmarshal.FindStringSubmatch(text); f != nil {
		return input.Errorf("%s:%s: cannot read %s as %s", name, m[1], f[1], yamlType(f[2]))
	}
	return input.Errorf("%s:%s: YAML: %s", name, m[1], text)
}

// cannotUnmarshal is the YAML decoder's message for a value of the wrong
// type: "cannot unmarshal !!str `abc` into int".
var cannotUnmarshal = regexp.MustCompile(`^cannot unmarshal !!\w+ (.*) into (\S+)$`)

// yamlType names a Go type as a person would.
func yamlType(goType string) i18n.Message {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return i18n.M("a list")
	case strings.HasPrefix(goType, "map["), strings.Contains(goType, "."):
		return i18n.M("a mapping of keys")
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"), strings.HasPrefix(goType, "float"):
		return i18n.M("a number")
	case goType == "bool":
		return i18n.M("true or false")
	}
	return i18n.M("a text")
}

// ItemLines returns the line of each item of the top-level list under key, so
// that validation errors can point at the item.
func ItemLines(data []byte, key string) []int {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == key {
			var lines []int
			for _, item := range root.Content[i+1].Content {
				lines = append(lines, item.Line)
			}
			return lines
		}
	}
	return nil
}

// Errorf is an error about item i of a list, "NAME:LINE: field F: message".
// It wraps input.ErrInput.
func Errorf(name string, lines []int, i int, field, format string, args ...any) error {
	line := 0
	if i < len(lines) {
		line = lines[i]
	}
	return input.Errorf("%s:%d: field %s: %s", name, line, field, i18n.M(format, args...))
}

// Wrap is Errorf for an existing error (which keeps its identity).
func Wrap(name string, lines []int, i int, field string, err error) error {
	line := 0
	if i < len(lines) {
		line = lines[i]
	}
	return i18n.Errorf("%s:%d: field %s: %w", name, line, field, err)
}

// KeyLine is the line of the key at path (mapping keys from the top, as
// "notify", "events", "plan"), or 0 when data has no such key.
func KeyLine(data []byte, path ...string) int {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return 0
	}
	node, line := doc.Content[0], 0
	for _, key := range path {
		found := false
		for i := 0; node.Kind == yaml.MappingNode && i+1 < len(node.Content); i += 2 {
			if node.Content[i].Value == key {
				node, line, found = node.Content[i+1], node.Content[i].Line, true
				break
			}
		}
		if !found {
			return 0
		}
	}
	return line
}

// FieldErrorf is an error about the field at path of a mapping,
// "NAME:LINE: field A.B.C: message" (without the line when data has no such
// key). It wraps input.ErrInput.
func FieldErrorf(name string, data []byte, path []string, format string, args ...any) error {
	field := strings.Join(path, ".")
	if line := KeyLine(data, path...); line > 0 {
		return input.Errorf("%s:%d: field %s: %s", name, line, field, i18n.M(format, args...))
	}
	return input.Errorf("%s: field %s: %s", name, field, i18n.M(format, args...))
}

// DecodeNode decodes node, a part of the file name, into v as Decode does:
// unknown keys are errors naming their line (yaml.v3 checks them only when
// decoding a whole document), and so is a value of the wrong type. skip are
// keys of node's mapping that are not v's (read by the caller).
func DecodeNode(name string, node *yaml.Node, v any, skip ...string) error {
	if node.Kind == yaml.MappingNode && len(skip) > 0 {
		kept := *node
		kept.Content = nil
		for i := 0; i+1 < len(node.Content); i += 2 {
			if !slices.Contains(skip, node.Content[i].Value) {
				kept.Content = append(kept.Content, node.Content[i], node.Content[i+1])
			}
		}
		node = &kept
	}
	var errs []error
	unknownKeys(name, node, reflect.TypeOf(v), &errs)
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if err := node.Decode(v); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, m := range te.Errors {
				errs = append(errs, rewrite(name, m))
			}
			return errors.Join(errs...)
		}
		return rewrite(name, err.Error())
	}
	return nil
}

var (
	unmarshalerType    = reflect.TypeFor[yaml.Unmarshaler]()
	oldUnmarshalerType = reflect.TypeFor[interface {
		UnmarshalYAML(func(any) error) error
	}]()
)

// unknownKeys reports the keys of node's mappings that t has no field for.
func unknownKeys(name string, node *yaml.Node, t reflect.Type, errs *[]error) {
	if node.Kind == yaml.AliasNode && node.Alias != nil {
		node = node.Alias
	}
	if t == nil || t.Kind() == reflect.Interface {
		return
	}
	if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) ||
		t.Implements(oldUnmarshalerType) || reflect.PointerTo(t).Implements(oldUnmarshalerType) {
		return // it reads itself
	}
	switch t.Kind() {
	case reflect.Pointer:
		unknownKeys(name, node, t.Elem(), errs)
	case reflect.Slice, reflect.Array:
		if node.Kind == yaml.SequenceNode {
			for _, item := range node.Content {
				unknownKeys(name, item, t.Elem(), errs)
			}
		}
	case reflect.Map:
		if node.Kind == yaml.MappingNode {
			for i := 1; i < len(node.Content); i += 2 {
				unknownKeys(name, node.Content[i], t.Elem(), errs)
			}
		}
	case reflect.Struct:
		if node.Kind != yaml.MappingNode {
			return
		}
		fields := map[string]reflect.Type{}
		yamlFields(t, fields)
		for i := 0; i+1 < len(node.Content); i += 2 {
			key := node.Content[i]
			ft, ok := fields[key.Value]
			if !ok {
				*errs = append(*errs, input.Errorf("%s:%s: unknown key %q", name, strconv.Itoa(key.Line), key.Value))
				continue
			}
			unknownKeys(name, node.Content[i+1], ft, errs)
		}
	}
}

// yamlFields are the keys yaml.v3 decodes into struct t, with their types.
func yamlFields(t reflect.Type, fields map[string]reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		key, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(opts, "inline") {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				yamlFields(ft, fields)
			}
			continue
		}
		if key == "" {
			key = strings.ToLower(f.Name)
		}
		fields[key] = f.Type
	}
}
