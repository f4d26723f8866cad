package ldap

import (
	"strconv"
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
		if rule, attr, _, dn := extensible(p); (rule == bitAnd || rule == bitOr) && attr != "" && !dn {
			return nil // Active Directory's bitwise rules, evaluated here
		}
		return i18n.Errorf("extensible matches other than Active Directory's bitwise ones (such as the in-chain rule) are not evaluated on an LDIF export")
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
	case goldap.FilterExtensibleMatch:
		rule, attr, value, _ := extensible(p)
		want, err := strconv.ParseUint(value, 10, 64)
		if err != nil {
			return false
		}
		for _, v := range values(attr) {
			n, err := strconv.ParseInt(v, 10, 64) // userAccountControl is signed 32-bit
			if err != nil {
				continue
			}
			if u := uint64(uint32(n)); rule == bitAnd && u&want == want || rule == bitOr && u&want != 0 {
				return true
			}
		}
		return false
	case goldap.FilterEqualityMatch, goldap.FilterApproxMatch, goldap.FilterGreaterOrEqual, goldap.FilterLessOrEqual:
		attr, want := p.Children[0].Value.(string), strings.ToLower(p.Children[1].Value.(string))
		if p.Tag == goldap.FilterEqualityMatch && strings.EqualFold(attr, "objectClass") {
			// An entry is of its classes and of the classes they derive
			// from, as the server knows from its schema: an OpenLDAPperson
			// is a person.
			for _, v := range values(attr) {
				if inherits(strings.ToLower(v), want) {
					return true
				}
			}
			return false
		}
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

// Active Directory's bitwise matching rules.
const (
	bitAnd = "1.2.840.113556.1.4.803"
	bitOr  = "1.2.840.113556.1.4.804"
)

// extensible reads an extensible match: its rule, attribute, value, and
// whether it applies to the DN's attributes.
func extensible(p *ber.Packet) (rule, attr, value string, dn bool) {
	for _, c := range p.Children {
		switch c.Tag {
		case goldap.MatchingRuleAssertionMatchingRule:
			rule = ber.DecodeString(c.Data.Bytes())
		case goldap.MatchingRuleAssertionType:
			attr = ber.DecodeString(c.Data.Bytes())
		case goldap.MatchingRuleAssertionMatchValue:
			value = ber.DecodeString(c.Data.Bytes())
		case goldap.MatchingRuleAssertionDNAttributes:
			dn, _ = c.Value.(bool)
		}
	}
	return rule, attr, value, dn
}

// superclasses are the structural object classes of the standard schemas
// (RFC 4519, RFC 2798, OpenLDAP's, Active Directory's) and the class each
// derives from: an export holds only the classes an entry names, not the
// schema the server matches with.
var superclasses = map[string]string{
	"person":               "top",
	"organizationalperson": "person",
	"residentialperson":    "person",
	"inetorgperson":        "organizationalperson",
	"openldapperson":       "inetorgperson",
	"user":                 "organizationalperson",
	"computer":             "user",
	"contact":              "organizationalperson",
	"groupofnames":         "top",
	"groupofuniquenames":   "top",
	"group":                "top",
	"organizationalunit":   "top",
	"organizationalrole":   "top",
	"account":              "top",
}

// inherits says whether class is want or derives from it.
func inherits(class, want string) bool {
	for i := 0; i < 16 && class != ""; i++ {
		if class == want {
			return true
		}
		class = superclasses[class]
	}
	return false
}
