package reconcile

import (
	"bytes"
	"io"
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"
)

// planJSON is the plan's JSON as encoding/json writes it, byte for byte (the
// tests hold it to that), without reflection: a plan of a large group has
// hundreds of thousands of findings and actions, and it is encoded twice
// (compact for the digest, indented for the file).
//
// Compact output escapes <, > and & as json.Marshal does; indented output is
// json.Encoder's with SetIndent("", "  "), SetEscapeHTML(false) and its
// final newline.
func planJSON(p *Plan, indented bool) []byte {
	var buf bytes.Buffer
	_ = writePlanJSON(&buf, p, indented) // a bytes.Buffer does not fail
	return buf.Bytes()
}

// writePlanJSON writes planJSON(p, indented) to out, a chunk at a time: the
// plan of a large group is hundreds of megabytes, which the digest's hash
// and the file need not hold at once.
func writePlanJSON(out io.Writer, p *Plan, indented bool) error {
	w := &jsonWriter{indented: indented, html: !indented, out: out, buf: make([]byte, 0, 2*chunkSize)}
	w.open('{')
	w.key("format_version")
	w.buf = strconv.AppendInt(w.buf, int64(p.FormatVersion), 10)
	w.str("kind", p.Kind)
	w.str("as_of", p.AsOf)
	w.str("generated_at", p.GeneratedAt)
	w.strOmitEmpty("created_by", p.CreatedBy)
	w.strOmitEmpty("event", p.Event)
	if c := p.Campaign; c != nil {
		w.key("campaign")
		w.open('{')
		w.str("id", c.ID)
		w.str("as_of", c.AsOf)
		w.str("unreviewed", c.Unreviewed)
		w.strOmitEmpty("forced", c.Forced)
		w.close('}')
	}
	if h := p.AuditHead; h != nil {
		w.key("audit_head")
		w.open('{')
		w.key("lines")
		w.buf = strconv.AppendInt(w.buf, int64(h.Lines), 10)
		w.str("hash", h.Hash)
		w.close('}')
	}
	w.key("inputs")
	w.stringMap(p.Inputs)
	w.str("policy_digest", p.PolicyDigest)
	w.key("findings")
	if p.Findings == nil {
		w.null()
	} else {
		w.open('[')
		for i := range p.Findings {
			f := &p.Findings[i]
			w.elem()
			w.open('{')
			w.str("rule", f.Rule)
			w.str("severity", f.Severity)
			w.str("person", f.Person)
			w.strOmitEmpty("person_name", f.PersonName)
			w.str("system", f.System)
			w.str("account", f.Account)
			w.str("entitlement", f.Entitlement)
			w.strOmitEmpty("event", f.Event)
			w.strOmitEmpty("source", f.Source)
			w.str("message", f.Message)
			w.strOmitEmpty("message_ja", f.MessageJA)
			w.close('}')
			w.flushFull()
		}
		w.close(']')
	}
	w.key("actions")
	if p.Actions == nil {
		w.null()
	} else {
		w.open('[')
		for i := range p.Actions {
			a := &p.Actions[i]
			w.elem()
			w.open('{')
			w.str("id", a.ID)
			w.str("op", a.Op)
			w.str("system", a.System)
			w.str("account", a.Account)
			w.str("entitlement", a.Entitlement)
			w.str("person", a.Person)
			w.strOmitEmpty("person_name", a.PersonName)
			w.str("effective", a.Effective)
			w.key("phase")
			w.buf = strconv.AppendInt(w.buf, int64(a.Phase), 10)
			w.key("rules")
			w.strings(a.Rules)
			w.str("severity", a.Severity)
			w.str("reason", a.Reason)
			w.strOmitEmpty("reason_ja", a.ReasonJA)
			w.strOmitEmpty("via", a.Via)
			w.strOmitEmpty("through", a.Through)
			w.close('}')
			w.flushFull()
		}
		w.close(']')
	}
	if len(p.Inventory) > 0 {
		w.key("inventory")
		w.open('[')
		for _, r := range p.Inventory {
			w.elem()
			w.open('{')
			w.str("system", r.System)
			w.str("company", r.Company)
			w.key("people")
			w.buf = strconv.AppendInt(w.buf, int64(r.People), 10)
			w.close('}')
		}
		w.close(']')
	}
	w.str("digest", p.Digest)
	w.close('}')
	if indented {
		w.buf = append(w.buf, '\n')
	}
	w.flush()
	return w.err
}

const chunkSize = 64 << 10

// jsonWriter appends JSON to buf, tracking for each open object or array
// whether it has a member yet (for commas, and for [] and {} when empty).
type jsonWriter struct {
	out      io.Writer
	err      error // the first of out's
	buf      []byte
	indented bool
	html     bool
	members  []bool
}

// flushFull writes the buffer out once it holds a chunk.
func (w *jsonWriter) flushFull() {
	if len(w.buf) >= chunkSize {
		w.flush()
	}
}

func (w *jsonWriter) flush() {
	if w.err == nil {
		_, w.err = w.out.Write(w.buf)
	}
	w.buf = w.buf[:0]
}

func (w *jsonWriter) open(c byte) {
	w.buf = append(w.buf, c)
	w.members = append(w.members, false)
}

func (w *jsonWriter) close(c byte) {
	had := w.members[len(w.members)-1]
	w.members = w.members[:len(w.members)-1]
	if had {
		w.newline()
	}
	w.buf = append(w.buf, c)
}

// elem starts a member: a comma after the one before, and its line.
func (w *jsonWriter) elem() {
	top := &w.members[len(w.members)-1]
	if *top {
		w.buf = append(w.buf, ',')
	}
	*top = true
	w.newline()
}

func (w *jsonWriter) newline() {
	if !w.indented {
		return
	}
	w.buf = append(w.buf, '\n')
	for range w.members {
		w.buf = append(w.buf, ' ', ' ')
	}
}

func (w *jsonWriter) key(k string) {
	w.elem()
	w.buf = appendJSONString(w.buf, k, w.html)
	w.buf = append(w.buf, ':')
	if w.indented {
		w.buf = append(w.buf, ' ')
	}
}

func (w *jsonWriter) str(k, v string) {
	w.key(k)
	w.buf = appendJSONString(w.buf, v, w.html)
}

func (w *jsonWriter) strOmitEmpty(k, v string) {
	if v != "" {
		w.str(k, v)
	}
}

func (w *jsonWriter) null() { w.buf = append(w.buf, "null"...) }

func (w *jsonWriter) strings(vs []string) {
	if vs == nil {
		w.null()
		return
	}
	w.open('[')
	for _, v := range vs {
		w.elem()
		w.buf = appendJSONString(w.buf, v, w.html)
	}
	w.close(']')
}

// stringMap is an object of m's entries, keys sorted (as encoding/json
// sorts them).
func (w *jsonWriter) stringMap(m map[string]string) {
	if m == nil {
		w.null()
		return
	}
	w.open('{')
	for _, k := range slices.Sorted(maps.Keys(m)) {
		w.str(k, m[k])
	}
	w.close('}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString is encoding/json's string encoding: quotes, backslashes
// and control characters escaped, invalid UTF-8 as \ufffd, U+2028 and
// U+2029 escaped, and <, > and & as \u003c, \u003e and \u0026 when html.
func appendJSONString(dst []byte, s string, html bool) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && (!html || (b != '<' && b != '>' && b != '&')) {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
