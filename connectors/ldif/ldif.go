// Package ldif reads LDIF (RFC 2849) content records: an export of a
// directory, one entry after another. Change records are not supported.
package ldif

import (
	"bufio"
	"encoding/base64"
	"io"
	"strings"

	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/i18n"
)

// Entry is one directory entry.
type Entry struct {
	DN    string
	Attrs map[string][]string // by lower-cased attribute name
	Line  int                 // where it starts
	// ByURL are the attributes with a value given by URL (attr:< file:...),
	// which are not read: the caller counts them, or refuses the entry when
	// it needs them.
	ByURL []string
	// Ranges are, by attribute, the ranges of its values the export holds
	// (Active Directory's member;range=0-1499): a last range that does not
	// end in * means values are missing.
	Ranges map[string][]string
}

// Incomplete says, for an attribute exported in ranges, the last range
// held when it does not reach the end ("" when the values are all there).
func (e *Entry) Incomplete(attr string) string {
	rs := e.Ranges[strings.ToLower(attr)]
	for _, r := range rs {
		if strings.HasSuffix(r, "-*") {
			return ""
		}
	}
	if len(rs) == 0 {
		return ""
	}
	return rs[len(rs)-1]
}

// Get is the first value of an attribute ("" if none).
func (e *Entry) Get(attr string) string {
	if v := e.Attrs[strings.ToLower(attr)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Values are all values of an attribute.
func (e *Entry) Values(attr string) []string { return e.Attrs[strings.ToLower(attr)] }

// Each reads entries one by one and calls fn for each; memory stays flat.
func Each(name string, r io.Reader, fn func(*Entry) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	var lines []string // the logical lines of the current record
	start, n := 0, 0
	comment := false // the last line was a comment: its continuation is too
	flush := func() error {
		if len(lines) == 0 {
			return nil
		}
		e, err := parse(name, start, lines)
		lines = lines[:0]
		if err != nil {
			return err
		}
		if e == nil {
			return nil
		}
		return fn(e)
	}
	for {
		raw, err := br.ReadString('\n')
		if raw == "" && err == io.EOF {
			return flush()
		}
		if err != nil && err != io.EOF {
			return i18n.Errorf("%s: %w", name, err)
		}
		n++
		line := strings.TrimRight(raw, "\r\n")
		if !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "#") {
			comment = false
		}
		switch {
		case line == "":
			if err := flush(); err != nil {
				return err
			}
		case strings.HasPrefix(line, "#"):
			comment = true
			continue
		case strings.HasPrefix(line, " ") && comment:
			continue // a folded comment (RFC 2849 allows it)
		case strings.HasPrefix(line, " "):
			if len(lines) == 0 {
				return csvfile.InputErrorf("%s:%d: a continuation line with nothing to continue", name, n)
			}
			lines[len(lines)-1] += line[1:]
		default:
			if len(lines) == 0 {
				start = n
			}
			lines = append(lines, line)
		}
		if err == io.EOF {
			return flush()
		}
	}
}

func parse(name string, line int, lines []string) (*Entry, error) {
	if len(lines) > 0 && strings.HasPrefix(strings.ToLower(lines[0]), "version:") {
		// RFC 2849 allows the first entry right after the version line.
		lines, line = lines[1:], line+1
		if len(lines) == 0 {
			return nil, nil
		}
	}
	if first := strings.ToLower(lines[0]); strings.HasPrefix(first, "search:") || strings.HasPrefix(first, "result:") {
		return nil, nil // ldapsearch's trailer (search: 2, result: 0 Success)
	}
	e := &Entry{Attrs: map[string][]string{}, Line: line}
	for i, l := range lines {
		attr, value, opt, err := attribute(l)
		if err != nil {
			return nil, csvfile.InputErrorf("%s:%d: %v", name, line+i, err)
		}
		if r, ok := strings.CutPrefix(opt, "range="); ok {
			if e.Ranges == nil {
				e.Ranges = map[string][]string{}
			}
			e.Ranges[attr] = append(e.Ranges[attr], r)
		}
		switch {
		case opt == "url":
			e.ByURL = append(e.ByURL, attr) // a value by URL (jpegPhoto:< file:///...): not read
		case i == 0 && attr != "dn":
			return nil, csvfile.InputErrorf("%s:%d: expected a record to start with dn:, got %q", name, line, attr)
		case i == 0:
			e.DN = value
		case attr == "changetype":
			return nil, csvfile.InputErrorf("%s:%d: change records are not supported; export the directory's entries", name, line+i)
		default:
			e.Attrs[attr] = append(e.Attrs[attr], value)
		}
	}
	return e, nil
}

// attribute splits a line into its attribute, value and option: "range=a-b"
// for a ranged value, "url" for a value given by URL.
func attribute(l string) (string, string, string, error) {
	i := strings.IndexByte(l, ':')
	if i <= 0 {
		return "", "", "", i18n.Errorf("expected attribute: value, got %q", l)
	}
	attr := strings.ToLower(l[:i])
	opt := ""
	if j := strings.IndexByte(attr, ';'); j >= 0 {
		// ;binary and ;range=a-b (Active Directory's ranges of a large
		// member attribute) are the attribute itself; other options
		// (cn;lang-ja) are attributes of their own, not values of the base
		// one.
		if o := attr[j+1:]; o == "binary" || strings.HasPrefix(o, "range=") {
			attr, opt = attr[:j], o
		}
	}
	rest := l[i+1:]
	switch {
	case strings.HasPrefix(rest, ":"):
		v, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest[1:]))
		if err != nil {
			return "", "", "", i18n.Errorf("attribute %s: bad base64: %v", attr, err)
		}
		return attr, string(v), opt, nil
	case strings.HasPrefix(rest, "<"):
		return attr, "", "url", nil
	}
	return attr, strings.TrimLeft(rest, " "), opt, nil
}
