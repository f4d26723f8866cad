// Package yamlfile decodes the YAML inputs strictly: unknown keys are errors,
// and every error names the file and line.
package yamlfile

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strings"

	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/i18n"
	"gopkg.in/yaml.v3"
)

var (
	lineMsg      = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownField = regexp.MustCompile(`^field (\S+) not found in type .*$`)
)

// Decode decodes data into v, rejecting unknown keys. Errors read
// "NAME:LINE: what was wrong" and wrap csvfile.ErrInput.
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
		return csvfile.InputErrorf("%s: YAML: %s", name, strings.TrimPrefix(msg, "yaml: "))
	}
	text := m[2]
	if f := unknownField.FindStringSubmatch(text); f != nil {
		return csvfile.InputErrorf("%s:%s: unknown key %q", name, m[1], f[1])
	}
	if f := cannotUnmarshal.FindStringSubmatch(text); f != nil {
		return csvfile.InputErrorf("%s:%s: cannot read %s as %s", name, m[1], f[1], yamlType(f[2]))
	}
	return csvfile.InputErrorf("%s:%s: YAML: %s", name, m[1], text)
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
// It wraps csvfile.ErrInput.
func Errorf(name string, lines []int, i int, field, format string, args ...any) error {
	line := 0
	if i < len(lines) {
		line = lines[i]
	}
	return csvfile.InputErrorf("%s:%d: field %s: %s", name, line, field, i18n.M(format, args...))
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
// key). It wraps csvfile.ErrInput.
func FieldErrorf(name string, data []byte, path []string, format string, args ...any) error {
	field := strings.Join(path, ".")
	if line := KeyLine(data, path...); line > 0 {
		return csvfile.InputErrorf("%s:%d: field %s: %s", name, line, field, i18n.M(format, args...))
	}
	return csvfile.InputErrorf("%s: field %s: %s", name, field, i18n.M(format, args...))
}
