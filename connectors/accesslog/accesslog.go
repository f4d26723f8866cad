// Package accesslog streams the access logs of SPEC: CSV with the header
// timestamp,system,account_id,action,object, or JSON lines with the same
// keys; plain or gzip-compressed. Memory stays flat whatever the log size:
// each access is handed to a callback and forgotten.
package accesslog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
)

// Access is one logged access. Its byte slices are valid only during the
// callback; copy what you keep.
type Access struct {
	At      int64 // Unix nanoseconds
	System  []byte
	Account []byte
	Action  []byte
	Object  []byte
	// Denied: the optional column result says the system refused the
	// access (denied, failed): an attempt, not an access.
	Denied bool
	File   string
	Line   int
}

// Malformed is a line that could not be read.
type Malformed struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// Stats counts what a scan read.
type Stats struct {
	Lines     int         // access lines read, malformed ones included
	Malformed int         // lines that could not be read
	First     []Malformed // the first MaxMalformed of them
}

// MaxMalformed is how many malformed lines a scan describes.
const MaxMalformed = 20

// Files expands the configured patterns (globs allowed) in files, in order,
// without duplicates. A pattern that matches nothing is an error.
func Files(files fs.FS, patterns []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, p := range patterns {
		matches, err := fs.Glob(files, p)
		if err != nil {
			return nil, i18n.Errorf("access_logs %q: %w", p, err)
		}
		if len(matches) == 0 {
			return nil, i18n.Errorf("access_logs %q: no such file", p)
		}
		sort.Strings(matches)
		for _, m := range matches {
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// Scan reads every file and calls fn for each well-formed access.
func Scan(ctx context.Context, files fs.FS, names []string, fn func(*Access)) (Stats, error) {
	var st Stats
	for _, name := range names {
		if err := scanFile(ctx, files, name, fn, &st); err != nil {
			return st, err
		}
	}
	return st, nil
}

func (st *Stats) bad(file string, line int, reason string) {
	st.Malformed++
	if len(st.First) < MaxMalformed {
		st.First = append(st.First, Malformed{File: file, Line: line, Reason: reason})
	}
}

func scanFile(ctx context.Context, files fs.FS, name string, fn func(*Access), st *Stats) error {
	f, err := files.Open(name)
	if err != nil {
		return i18n.Errorf("%s: %w", name, connectors.UnwrapPath(err))
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return i18n.Errorf("%s: gzip: %w", name, err)
		}
		defer zr.Close()
		r = bufio.NewReaderSize(zr, 1<<20)
	}
	lr := r.(*bufio.Reader)
	base := strings.TrimSuffix(strings.ToLower(name), ".gz")
	first, _ := lr.Peek(1)
	if strings.HasSuffix(base, ".jsonl") || strings.HasSuffix(base, ".ndjson") || strings.HasSuffix(base, ".json") || (len(first) == 1 && first[0] == '{') {
		return scanJSON(ctx, name, lr, fn, st)
	}
	return scanCSV(ctx, name, lr, fn, st)
}

// MaxLineEnv names the environment variable that raises the longest log
// line read (in bytes; default MaxLine).
const MaxLineEnv = "ACCESSRECON_MAX_LOG_LINE"

// MaxLine is the longest log line read by default: a line longer than this
// (a log with no line ends, a gzip bomb of one line) is skipped and counted
// as malformed rather than held in memory.
const MaxLine = 1 << 20

var maxLine = func() int {
	if n, err := strconv.Atoi(os.Getenv(MaxLineEnv)); err == nil && n > 0 {
		return n
	}
	return MaxLine
}()

// errTooLong is a line over maxLine; the line has been skipped.
var errTooLong = i18n.Errorf("longer than %d bytes, the longest line read (set %s to raise it)", maxLine, MaxLineEnv)

// readLine returns the next line without its line end, or io.EOF; a line
// over maxLine is skipped and gives errTooLong.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		long := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull && len(long) <= maxLine {
			line, err = r.ReadSlice('\n')
			long = append(long, line...)
		}
		for err == bufio.ErrBufferFull { // the rest of a line too long
			_, err = r.ReadSlice('\n')
		}
		if len(long) > maxLine {
			if err == io.EOF {
				err = nil
			}
			if err == nil {
				err = errTooLong
			}
			return nil, err
		}
		line = long
	}
	if err == io.EOF && len(line) > 0 {
		err = nil
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	return line, err
}

var columns = []string{"timestamp", "system", "account_id", "action", "object"}

func scanCSV(ctx context.Context, name string, r *bufio.Reader, fn func(*Access), st *Stats) error {
	header, err := readLine(r)
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return i18n.Errorf("%s: %w", name, err)
	}
	return scanCSVLines(ctx, name, string(header), r, 2, fn, st)
}

// scanCSVLines reads access lines given the file's header; firstLine is the
// line number of the first line r yields.
func scanCSVLines(ctx context.Context, name, header string, r *bufio.Reader, firstLine int, fn func(*Access), st *Stats) error {
	header = strings.TrimPrefix(header, "\ufeff")
	idx := map[string]int{}
	for i, h := range strings.Split(header, ",") {
		idx[strings.ToLower(strings.Trim(strings.TrimSpace(h), `"`))] = i
	}
	pos := make([]int, len(columns))
	width := 0
	for i, c := range columns {
		j, ok := idx[c]
		if !ok {
			return i18n.Errorf("%s:1: missing column %q; the header must name %s", name, c, strings.Join(columns, ","))
		}
		pos[i] = j
		width = max(width, j+1)
	}
	result, hasResult := idx["result"]
	fields := make([][]byte, 0, 16)
	a := &Access{File: name}
	return eachLine(ctx, name, r, firstLine, st, func(line int, raw []byte) {
		st.Lines++
		fields = fields[:0]
		if bytes.IndexByte(raw, '"') >= 0 {
			rec, err := csv.NewReader(bytes.NewReader(raw)).Read()
			if err != nil {
				st.bad(name, line, "malformed CSV: "+err.Error())
				return
			}
			for _, f := range rec {
				fields = append(fields, []byte(f))
			}
		} else {
			for rest := raw; ; {
				i := bytes.IndexByte(rest, ',')
				if i < 0 {
					fields = append(fields, rest)
					break
				}
				fields = append(fields, rest[:i])
				rest = rest[i+1:]
			}
		}
		if len(fields) < width {
			st.bad(name, line, fmt.Sprintf("expected %d fields, got %d", width, len(fields)))
			return
		}
		at, ok := ParseTimestamp(fields[pos[0]])
		if !ok {
			st.bad(name, line, fmt.Sprintf("column timestamp: expected 2026-11-23T08:00:00+09:00 (or 2026/11/23 08:00, Asia/Tokyo), got %q", fields[pos[0]]))
			return
		}
		a.At, a.System, a.Account, a.Action, a.Object, a.Line = at, fields[pos[1]], fields[pos[2]], fields[pos[3]], fields[pos[4]], line
		a.Denied = false
		if hasResult && result < len(fields) {
			denied, ok := Denied(fields[result])
			if !ok {
				st.bad(name, line, fmt.Sprintf("column result: expected allowed or denied (success/failure, 許可/拒否, 成功/失敗), got %q", fields[result]))
				return
			}
			a.Denied = denied
		}
		if len(a.System) == 0 || len(a.Account) == 0 {
			st.bad(name, line, "system and account_id must not be empty")
			return
		}
		fn(a)
	})
}

// eachLine calls fn with every line of r that is not blank and its number,
// the first being line first.
func eachLine(ctx context.Context, name string, r *bufio.Reader, first int, st *Stats, fn func(line int, raw []byte)) error {
	for line := first; ; line++ {
		raw, err := readLine(r)
		if err == io.EOF {
			return nil
		}
		if err == errTooLong {
			st.Lines++
			st.bad(name, line, err.Error())
			continue
		}
		if err != nil {
			return i18n.Errorf("%s:%d: %w", name, line, err)
		}
		if line%65536 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			fn(line, raw)
		}
	}
}

type jsonAccess struct {
	Timestamp string `json:"timestamp"`
	System    string `json:"system"`
	AccountID string `json:"account_id"`
	Action    string `json:"action"`
	Object    string `json:"object"`
	Result    string `json:"result"`
}

func scanJSON(ctx context.Context, name string, r *bufio.Reader, fn func(*Access), st *Stats) error {
	a := &Access{File: name}
	return eachLine(ctx, name, r, 1, st, func(line int, raw []byte) {
		st.Lines++
		var j jsonAccess
		if err := json.Unmarshal(raw, &j); err != nil {
			st.bad(name, line, "malformed JSON: "+err.Error())
			return
		}
		at, ok := ParseTimestamp([]byte(j.Timestamp))
		if !ok {
			st.bad(name, line, fmt.Sprintf("field timestamp: expected 2026-11-23T08:00:00+09:00 (or 2026/11/23 08:00, Asia/Tokyo), got %q", j.Timestamp))
			return
		}
		if j.System == "" || j.AccountID == "" {
			st.bad(name, line, "system and account_id must not be empty")
			return
		}
		a.At, a.System, a.Account, a.Action, a.Object, a.Line = at, []byte(j.System), []byte(j.AccountID), []byte(j.Action), []byte(j.Object), line
		denied, ok := Denied([]byte(j.Result))
		if !ok {
			st.bad(name, line, fmt.Sprintf("field result: expected allowed or denied (success/failure, 許可/拒否, 成功/失敗), got %q", j.Result))
			return
		}
		a.Denied = denied
		fn(a)
	})
}

// Denied reads a result cell: false for an access the system allowed
// (allowed, success, ok, 許可, 成功, or empty), true for one it refused
// (denied, failure, failed, error, 拒否, 失敗); ok is false for anything
// else.
func Denied(v []byte) (denied, ok bool) {
	switch strings.ToLower(strings.TrimSpace(string(v))) {
	case "", "allowed", "allow", "success", "succeeded", "ok", "permitted", "許可", "成功":
		return false, true
	case "denied", "deny", "failure", "failed", "fail", "error", "refused", "拒否", "失敗":
		return true, true
	}
	return false, false
}

// ParseTimestamp reads an RFC 3339 timestamp with an offset
// (2026-11-23T08:00:00+09:00, 2026-11-22T23:00:00Z, fractions allowed)
// without allocating; also the forms HR and business systems export, read
// in Asia/Tokyo: 2026/11/23 08:00, 2026-11-23 08:00:00 (a space before the
// time and no offset, a slash or a dash, seconds optional). An ISO time with
// a T and no offset is refused: it says nothing of its zone.
func ParseTimestamp(b []byte) (int64, bool) {
	if len(b) < 16 || (b[4] != '-' && b[4] != '/') || b[7] != b[4] || (b[10] != 'T' && b[10] != 't' && b[10] != ' ') || b[13] != ':' {
		return 0, false
	}
	num := func(s []byte) (int, bool) {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(b[0:4])
	month, ok2 := num(b[5:7])
	day, ok3 := num(b[8:10])
	hour, ok4 := num(b[11:13])
	minute, ok5 := num(b[14:16])
	sec, ok6, rest := 0, true, b[16:]
	if len(rest) > 0 && rest[0] == ':' {
		if len(rest) < 3 {
			return 0, false
		}
		sec, ok6 = num(rest[1:3])
		rest = rest[3:]
	}
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || day > graph.DaysIn(year, month) || hour > 23 || minute > 59 || sec > 59 {
		return 0, false
	}
	nanos := 0
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		scale := 100_000_000
		for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
			nanos += int(rest[i]-'0') * scale
			scale /= 10
		}
		if i == 1 {
			return 0, false
		}
		rest = rest[i:]
	}
	offset := 0
	switch {
	case len(rest) == 0 && b[10] == ' ':
		offset = 9 * 3600 // an export's local time (a space, no offset): Asia/Tokyo, which has no daylight saving
	case b[4] == '/':
		return 0, false // a slash date is a local time: an offset after it is not a form anyone writes
	case len(rest) == 1 && (rest[0] == 'Z' || rest[0] == 'z'):
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := num(rest[1:3])
		om, ok2 := num(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return 0, false
		}
		offset = (oh*60 + om) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return 0, false
	}
	days := daysFromCivil(year, month, day)
	secs := int64(days)*86400 + int64(hour*3600+minute*60+sec) - int64(offset)
	return secs*int64(time.Second) + int64(nanos), true
}

// daysFromCivil is the number of days from 1970-01-01 (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
