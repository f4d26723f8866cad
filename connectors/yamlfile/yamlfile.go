// Package yamlfile decodes the YAML inputs strictly: unknown keys are errors,
// and every error names the file and line.
package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/accessrecon/accessrecon/connectors/csvfile"
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
		msgs := make([]string, 0, len(te.Errors))
		for _, m := range te.Errors {
			msgs = append(msgs, rewrite(name, m))
		}
		return csvfile.InputErrorf("%s", strings.Join(msgs, "\n"))
	}
	return csvfile.InputErrorf("%s", rewrite(name, err.Error()))
}

func rewrite(name, msg string) string {
	m := lineMsg.FindStringSubmatch(msg)
	if m == nil {
		return name + ": " + strings.TrimPrefix(msg, "yaml: ")
	}
	text := m[2]
	if f := unknownField.FindStringSubmatch(text); f != nil {
		text = fmt.Sprintf("unknown key %q", f[1])
	}
	return fmt.Sprintf("%s:%s: %s", name, m[1], text)
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
	return csvfile.InputErrorf("%s:%d: field %s: %s", name, line, field, fmt.Sprintf(format, args...))
}

// Wrap is Errorf for an existing error (which keeps its identity).
func Wrap(name string, lines []int, i int, field string, err error) error {
	line := 0
	if i < len(lines) {
		line = lines[i]
	}
	return fmt.Errorf("%s:%d: field %s: %w", name, line, field, err)
}
