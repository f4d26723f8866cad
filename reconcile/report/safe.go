package report

import (
	"io"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// SafeWriter makes what reaches a terminal harmless: control characters
// other than newline and tab (escape sequences that clear a screen or move
// the cursor, a carriage return that overwrites "3 actions" with "No
// actions") and format characters (bidirectional overrides, zero-width
// characters) in names and messages are written as \uXXXX. That is also
// JSON's escape, so JSON output stays valid and means the same.
func SafeWriter(w io.Writer) io.Writer { return &safeWriter{w: w} }

type safeWriter struct {
	w       io.Writer
	pending []byte // the start of a UTF-8 sequence cut by the last Write
	buf     []byte
	started bool // something was written: a byte-order mark is no longer the file's first character
}

func needsEscape(r rune) bool {
	if r == '\n' || r == '\t' {
		return false
	}
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r)
}

func (s *safeWriter) Write(p []byte) (int, error) {
	data := p
	if len(s.pending) > 0 {
		data = append(s.pending, p...)
		s.pending = nil
	}
	out := s.buf[:0]
	start := 0
	for i := 0; i < len(data); {
		b := data[i]
		if b >= 0x20 && b < 0x7f || b == '\n' || b == '\t' {
			i++
			continue
		}
		if b < utf8.RuneSelf {
			out = append(out, data[start:i]...)
			out = appendEscape(out, rune(b))
			i++
			start = i
			continue
		}
		if !utf8.FullRune(data[i:]) {
			s.pending = append(s.pending, data[i:]...)
			out = append(out, data[start:i]...)
			start = len(data)
			break
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == '\ufeff' && i == 0 && !s.started {
			// The byte-order mark that starts a CSV for Excel (show
			// --format csv > plan.csv): Excel in Japanese reads the file as
			// UTF-8 only with it. Anywhere else it is escaped.
			i += size
			continue
		}
		if needsEscape(r) {
			out = append(out, data[start:i]...)
			out = appendEscape(out, r)
			start = i + size
		}
		i += size
	}
	out = append(out, data[start:]...)
	s.buf = out
	s.started = s.started || len(out) > 0
	if _, err := s.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

func appendEscape(dst []byte, r rune) []byte {
	dst = append(dst, `\u`...)
	h := strconv.FormatInt(int64(r), 16)
	for range 4 - len(h) {
		dst = append(dst, '0')
	}
	return append(dst, h...)
}
