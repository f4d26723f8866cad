package ldap

import (
	"strings"

	"github.com/accessrecon/accessrecon/i18n"
	ber "github.com/go-asn1-ber/asn1-ber"
	goldap "github.com/go-ldap/ldap/v3"
)

// entryFilter is an LDAP search filter (RFC 4515) evaluated on an entry
// read from an LDIF export, as the server would evaluate it: equality,
// presence, substrings, ordering, and, or, not; attribute names and values
// compared case-insensitively (the matching rules of the usual string
// attributes). Extensible matches are refused when the filter is compiled.
type entryFilter struct{ root *ber.Packet }

func compileFilter(filter string) (*entryFilter, error) {
	p, err := goldap.CompileFilter(filter)
	if err != nil {
		return nil, i18n.Errorf("ldap: filter %q: %v", filter, err)
	}
	if err := supported(p); err != nil {
		return nil, i18n.Errorf("ldap: filter %q: %v", filter, err)
	}
	return &entryFilter{root: p}, nil
}

func supported(p *ber.Packet) error {
	switch p.Tag {
	case goldap.FilterExtensibleMatch:
		return i18n.Errorf("extensible matches (such as the in-chain rule) are not evaluated on an LDIF export")
	case goldap.FilterAnd, goldap.FilterOr, goldap.FilterNot:
		for _, c := range p.Children {
			if err := supported(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// match reports whether the entry, whose values get gives, matches.
func (f *entryFilter) match(values func(attr string) []string) bool {
	return matchPacket(f.root, values)
}

func matchPacket(p *ber.Packet, values func(string) []string) bool {
	switch p.Tag {
	case goldap.FilterAnd:
		for _, c := range p.Children {
			if !matchPacket(c, values) {
				return false
			}
		}
		return true
	case goldap.FilterOr:
		for _, c := range p.Children {
			if matchPacket(c, values) {
				return true
			}
		}
		return false
	case goldap.FilterNot:
		return len(p.Children) == 1 && !matchPacket(p.Children[0], values)
	case goldap.FilterPresent:
		return len(values(p.Data.String())) > 0
	case goldap.FilterEqualityMatch, goldap.FilterApproxMatch, goldap.FilterGreaterOrEqual, goldap.FilterLessOrEqual:
		attr, want := p.Children[0].Value.(string), strings.ToLower(p.Children[1].Value.(string))
		for _, v := range values(attr) {
			v = strings.ToLower(v)
			if strings.EqualFold(attr, "objectCategory") && strings.HasPrefix(v, "cn="+want+",") {
				return true // Active Directory's shorthand: person for CN=Person,CN=Schema,...
			}
			switch p.Tag {
			case goldap.FilterGreaterOrEqual:
				if v >= want {
					return true
				}
			case goldap.FilterLessOrEqual:
				if v <= want {
					return true
				}
			default:
				if v == want {
					return true
				}
			}
		}
		return false
	case goldap.FilterSubstrings:
		attr := p.Children[0].Value.(string)
		for _, v := range values(attr) {
			if substrings(strings.ToLower(v), p.Children[1].Children) {
				return true
			}
		}
		return false
	}
	return false
}

// substrings matches initial*any*...*final.
func substrings(v string, parts []*ber.Packet) bool {
	for i, part := range parts {
		s := strings.ToLower(part.Data.String())
		switch part.Tag {
		case goldap.FilterSubstringsInitial:
			if !strings.HasPrefix(v, s) {
				return false
			}
			v = v[len(s):]
		case goldap.FilterSubstringsAny:
			j := strings.Index(v, s)
			if j < 0 {
				return false
			}
			v = v[j+len(s):]
		case goldap.FilterSubstringsFinal:
			if i != len(parts)-1 || !strings.HasSuffix(v, s) {
				return false
			}
		}
	}
	return true
}
