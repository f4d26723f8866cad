package accesslog

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"io/fs"
	"strings"
	"sync"

	"github.com/accessrecon/accessrecon/i18n"
)

// minSplit is the smallest plain CSV file worth cutting into parts.
const minSplit = 4 << 20

// ScanParallel is Scan spread over len(fns) workers: each plain CSV file of
// some size is cut at line boundaries into one part per worker, and worker
// i calls fns[i] only, so callbacks need no locking. Other files (gzip, JSON
// lines, small ones) are read whole by one worker. Malformed lines keep
// their file and line.
func ScanParallel(ctx context.Context, files fs.FS, names []string, fns []func(*Access)) (Stats, error) {
	if len(fns) == 1 {
		return Scan(ctx, files, names, fns[0])
	}
	var total Stats
	for _, name := range names {
		parts, header, err := split(files, name, len(fns))
		if err != nil {
			return total, err
		}
		if parts == nil {
			st, err := Scan(ctx, files, []string{name}, fns[0])
			total.merge(st)
			if err != nil {
				return total, err
			}
			continue
		}
		stats := make([]Stats, len(parts))
		errs := make([]error, len(parts))
		var wg sync.WaitGroup
		for i, p := range parts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = scanPart(ctx, files, name, header, p, fns[i], &stats[i])
			}()
		}
		wg.Wait()
		for i := range parts {
			if errs[i] != nil {
				return total, errs[i]
			}
			total.merge(stats[i])
		}
	}
	return total, nil
}

func (st *Stats) merge(o Stats) {
	st.Lines += o.Lines
	st.Malformed += o.Malformed
	for _, m := range o.First {
		if len(st.First) < MaxMalformed {
			st.First = append(st.First, m)
		}
	}
}

// part is a byte range of a file that starts at a line start.
type part struct {
	from, to int64 // [from, to)
	line     int   // the line number at from
}

// split cuts a plain CSV file into n parts at line starts, or returns nil
// parts when the file should be read whole.
func split(files fs.FS, name string, n int) ([]part, string, error) {
	base := strings.ToLower(name)
	if strings.HasSuffix(base, ".gz") || strings.HasSuffix(base, ".jsonl") || strings.HasSuffix(base, ".ndjson") || strings.HasSuffix(base, ".json") {
		return nil, "", nil
	}
	f, err := files.Open(name)
	if err != nil {
		return nil, "", i18n.Errorf("%s: %w", name, err)
	}
	defer f.Close()
	info, err := f.Stat()
	ra, ok := f.(io.ReaderAt)
	if err != nil || !ok || info.Size() < minSplit {
		return nil, "", nil
	}
	br := bufio.NewReader(f)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b || len(magic) > 0 && magic[0] == '{' {
		return nil, "", nil
	}
	header, err := br.ReadString('\n')
	if err != nil {
		return nil, "", nil
	}
	size := info.Size()
	start := int64(len(header))
	cuts := []int64{start}
	buf := make([]byte, 64<<10)
	for i := 1; i < n; i++ {
		at := start + (size-start)*int64(i)/int64(n)
		// Move the cut to the start of the next line.
		for {
			k, err := ra.ReadAt(buf, at)
			if j := bytes.IndexByte(buf[:k], '\n'); j >= 0 {
				at += int64(j + 1)
				break
			}
			at += int64(k)
			if err != nil {
				at = size
				break
			}
		}
		if at > cuts[len(cuts)-1] && at < size {
			cuts = append(cuts, at)
		}
	}
	cuts = append(cuts, size)
	parts := make([]part, 0, len(cuts)-1)
	for i := 0; i+1 < len(cuts); i++ {
		parts = append(parts, part{from: cuts[i], to: cuts[i+1], line: -1})
	}
	parts[0].line = 2
	return parts, strings.TrimRight(header, "\r\n"), nil
}

// scanPart reads the lines of one part with the file's header.
func scanPart(ctx context.Context, files fs.FS, name, header string, p part, fn func(*Access), st *Stats) error {
	f, err := files.Open(name)
	if err != nil {
		return i18n.Errorf("%s: %w", name, err)
	}
	defer f.Close()
	ra := f.(io.ReaderAt)
	r := bufio.NewReaderSize(io.NewSectionReader(ra, p.from, p.to-p.from), 1<<20)
	var local Stats
	first := p.line
	if first < 0 {
		first = 0 // resolved below, only if a malformed line needs it
	}
	err = scanCSVLines(ctx, name, header, r, first, fn, &local)
	if p.line < 0 && len(local.First) > 0 {
		// Line numbers of a later part: count the lines before it.
		n, cerr := countLines(io.NewSectionReader(ra, 0, p.from))
		if cerr != nil {
			return cerr
		}
		for i := range local.First {
			local.First[i].Line += n + 1
		}
	}
	*st = local
	return err
}

func countLines(r io.Reader) (int, error) {
	buf := make([]byte, 1<<20)
	n := 0
	for {
		k, err := r.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
