package wire

import (
	goldap "github.com/go-ldap/ldap/v3"

	"github.com/accessrecon/accessrecon/i18n"
)

// entryTag is SearchResultEntry: [APPLICATION 4], constructed.
const entryTag = 0x40 | 0x20 | goldap.ApplicationSearchResultEntry

// errMalformed is any message that does not follow LDAP's encoding
// (definite lengths, one-byte tags, elements inside their parents).
var errMalformed = i18n.Errorf("a malformed answer from the server")

// element splits the BER element at the start of b into its tag, its
// content and what follows it.
func element(b []byte) (tag byte, content, rest []byte, err error) {
	if len(b) < 2 || b[0]&0x1f == 0x1f {
		return 0, nil, nil, errMalformed
	}
	tag = b[0]
	n, i := int(b[1]), 2
	if n >= 0x80 {
		k := n & 0x7f
		if k == 0 || k > 4 || len(b) < 2+k {
			return 0, nil, nil, errMalformed // indefinite (not in LDAP), or too long
		}
		n = 0
		for _, x := range b[2 : 2+k] {
			n = n<<8 | int(x)
		}
		i += k
	}
	if n > len(b)-i {
		return 0, nil, nil, errMalformed
	}
	return tag, b[i : i+n], b[i+n:], nil
}

// expect is element for a given tag.
func expect(b []byte, want byte) (content, rest []byte, err error) {
	tag, content, rest, err := element(b)
	if err == nil && tag != want {
		err = errMalformed
	}
	return content, rest, err
}

// messageID is the id of an LDAPMessage.
func messageID(msg []byte) (int64, error) {
	body, _, err := expect(msg, 0x30)
	if err != nil {
		return 0, err
	}
	id, _, err := expect(body, 0x02)
	if err != nil || len(id) == 0 || len(id) > 4 || id[0]&0x80 != 0 {
		return 0, errMalformed // an id is 0 to 2^31-1
	}
	var n int64
	for _, x := range id {
		n = n<<8 | int64(x)
	}
	return n, nil
}

// protocolOp is the tag and content of an LDAPMessage's operation.
func protocolOp(msg []byte) (byte, []byte, error) {
	body, _, err := expect(msg, 0x30)
	if err != nil {
		return 0, nil, err
	}
	_, rest, err := expect(body, 0x02)
	if err != nil {
		return 0, nil, err
	}
	tag, op, rest, err := element(rest)
	if err != nil {
		return 0, nil, err
	}
	if len(rest) > 0 { // nothing but the controls may follow
		if _, rest, err = expect(rest, 0xa0); err != nil || len(rest) != 0 {
			return 0, nil, errMalformed
		}
	}
	return tag, op, nil
}

// decodeEntry decodes the content of a SearchResultEntry:
//
//	SEQUENCE { objectName OCTET STRING,
//	           attributes SEQUENCE OF SEQUENCE { type OCTET STRING, vals SET OF OCTET STRING } }
//
// into a go-ldap entry. Each attribute's Values is a slice of its own
// (appending to it never touches another's).
func decodeEntry(b []byte) (*goldap.Entry, error) {
	dn, rest, err := expect(b, 0x04)
	if err != nil {
		return nil, err
	}
	list, rest, err := expect(rest, 0x30)
	if err != nil || len(rest) != 0 {
		return nil, errMalformed
	}
	// Count first: one allocation for the attributes, one for the values.
	attrs, values := 0, 0
	for p := list; len(p) > 0; attrs++ {
		var a []byte
		if a, p, err = expect(p, 0x30); err != nil {
			return nil, err
		}
		_, a, err := expect(a, 0x04)
		if err != nil {
			return nil, err
		}
		vals, a, err := expect(a, 0x31)
		if err != nil || len(a) != 0 {
			return nil, errMalformed
		}
		for len(vals) > 0 {
			if _, vals, err = expect(vals, 0x04); err != nil {
				return nil, err
			}
			values++
		}
	}
	block := make([]goldap.EntryAttribute, attrs)
	ptrs := make([]*goldap.EntryAttribute, attrs)
	strs := make([]string, values)
	for i := range block {
		var a []byte
		a, list, _ = expect(list, 0x30)
		name, a, _ := expect(a, 0x04)
		vals, _, _ := expect(a, 0x31)
		start := len(strs) - values
		for len(vals) > 0 {
			var v []byte
			v, vals, _ = expect(vals, 0x04)
			strs[len(strs)-values] = string(v)
			values--
		}
		end := len(strs) - values
		block[i] = goldap.EntryAttribute{Name: string(name), Values: strs[start:end:end]}
		ptrs[i] = &block[i]
	}
	return &goldap.Entry{DN: string(dn), Attributes: ptrs}, nil
}
