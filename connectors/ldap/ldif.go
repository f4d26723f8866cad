package ldap

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"strings"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/connectors/ldif"
	"github.com/accessrecon/accessrecon/graph"
)

// LDIFSource is the `type: ldif` source: an LDIF export of a directory read
// with the same mapping as an ldap source, for offline runs. Accounts are
// the entries below accounts.base_dn with the id attribute; groups the
// groupOfNames, groupOfUniqueNames and posixGroup entries below
// groups.base_dn.
type LDIFSource struct {
	*Source
	Files fs.FS
	File  string
}

// NewLDIF makes an ldif source; URL is not needed.
func NewLDIF(name string, cfg Config, files fs.FS, file string, log *slog.Logger) (*LDIFSource, error) {
	if cfg.URL == "" {
		cfg.URL = "ldap://ldif"
	}
	s, err := New(name, cfg, log)
	if err != nil {
		return nil, err
	}
	return &LDIFSource{Source: s, Files: files, File: file}, nil
}

func under(dn, base string) bool {
	d, b := normDN(dn), normDN(base)
	return d == b || strings.HasSuffix(d, ","+b)
}

// Pull reads the export and loads it like a directory.
func (l *LDIFSource) Pull(ctx context.Context, w *graph.Writer) (string, error) {
	d, err := l.newDirectory(w)
	if err != nil {
		return "", err
	}
	var groups []group
	accounts, err := compileFilter(l.cfg.AccountFilter)
	if err != nil {
		return "", err
	}
	groupFilter, err := compileFilter(l.cfg.GroupFilter)
	if err != nil {
		return "", err
	}
	// The attributes read: a value of one of them given by URL is not
	// guessed at; others given so are counted.
	read := map[string]bool{}
	for _, a := range []string{l.cfg.IDAttr, l.cfg.OwnerAttr, l.cfg.DisabledAttr, l.cfg.KindAttr, l.cfg.LoginAttr, l.cfg.MFAAttr,
		l.cfg.PasswordSetAttr, l.cfg.LastSignInAttr, l.cfg.CreatedAttr,
		"member", "uniqueMember", "memberUid", "memberOf", "primaryGroupID", "objectSid", "objectClass", "cn", "userAccountControl"} {
		if a != "" {
			read[strings.ToLower(a)] = true
		}
	}
	byURL := 0
	ad := l.cfg.Directory == DirectoryAD
	digest, err := connectors.ReadFile(l.Files, l.File, func(r io.Reader) error {
		return ldif.Each(l.File, r, func(e *ldif.Entry) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			for _, a := range e.ByURL {
				if read[a] {
					return csvfile.InputErrorf("%s:%d: %s: attribute %s has its value by URL (%s:<), which is not read: export the values themselves", l.File, e.Line, e.DN, a, a)
				}
				byURL++
			}
			// The searches' filters, as the server would apply them.
			switch {
			case under(e.DN, l.cfg.GroupBase) && groupFilter.match(e.Values):
				if r := e.Incomplete("member"); r != "" {
					return csvfile.InputErrorf("%s:%d: %s: the export holds only the members in member;range=%s, not the rest: export every range of the attribute (ldapsearch asks for them in turn; ldifde does not)", l.File, e.Line, e.DN, r)
				}
				g := group{dn: e.DN, cn: e.Get("cn"), member: e.Values("member"), unique: e.Values("uniqueMember"), memberUID: e.Values("memberUid")}
				if ad {
					g.rid = rid([]byte(e.Get("objectSid")))
				}
				groups = append(groups, g)
			case under(e.DN, l.cfg.AccountBase) && e.Get(l.cfg.IDAttr) != "" && accounts.match(e.Values):
				if a := l.accountOf(d, e.Get); a != nil {
					x := entry{a: a, dn: e.DN}
					if l.cfg.MemberOf || ad {
						x.memberOf = e.Values("memberOf")
					}
					if ad {
						x.primaryRID = e.Get("primaryGroupID")
					}
					d.add(x)
				}
			}
			return nil
		})
	})
	if err != nil {
		return "", err
	}
	if byURL > 0 {
		l.log.Warn("LDIF: values given by URL were not read (no attribute accessrecon reads)", "file", l.File, "values", byURL)
	}
	d.setMembers(l.newMemberships(groups))
	if _, err := d.finish(); err != nil {
		return "", err
	}
	return digest, nil
}
