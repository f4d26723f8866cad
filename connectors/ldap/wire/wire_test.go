package wire

import (
	"context"
	"errors"
	"net"
	"runtime"
	"slices"
	"strings"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"
	goldap "github.com/go-ldap/ldap/v3"
)

// message is an LDAPMessage with an operation (and controls).
func message(id int64, op *ber.Packet, controls ...goldap.Control) []byte {
	env := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
	env.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, ""))
	env.AppendChild(op)
	if len(controls) > 0 {
		cp := ber.Encode(ber.ClassContext, ber.TypeConstructed, 0, nil, "")
		for _, c := range controls {
			cp.AppendChild(c.Encode())
		}
		env.AppendChild(cp)
	}
	return env.Bytes()
}

type attr struct {
	name   string
	values []string
}

func entryOp(dn string, attrs ...attr) *ber.Packet {
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, goldap.ApplicationSearchResultEntry, nil, "")
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, dn, ""))
	list := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
	for _, a := range attrs {
		seq := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
		seq.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, a.name, ""))
		set := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSet, nil, "")
		for _, v := range a.values {
			set.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, v, ""))
		}
		seq.AppendChild(set)
		list.AppendChild(seq)
	}
	op.AppendChild(list)
	return op
}

func resultOp(tag ber.Tag, code int64, diag string, referrals ...string) *ber.Packet {
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, tag, nil, "")
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, code, ""))
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", ""))
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, diag, ""))
	if len(referrals) > 0 {
		refs := ber.Encode(ber.ClassContext, ber.TypeConstructed, 3, nil, "")
		for _, r := range referrals {
			refs.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, r, ""))
		}
		op.AppendChild(refs)
	}
	return op
}

// scripted is a server on loopback that reads one request and answers
// with the bytes answer makes of its message id, written one byte at a
// time when trickle is set (a message arrives in many reads), then closes.
func scripted(t *testing.T, trickle bool, answer func(id int64) []byte) *Conn {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		req, err := ber.ReadPacket(c)
		if err != nil || len(req.Children) < 2 {
			return
		}
		id, _ := req.Children[0].Value.(int64)
		out := answer(id)
		if !trickle {
			c.Write(out)
			return
		}
		for i := range out {
			if _, err := c.Write(out[i : i+1]); err != nil {
				return
			}
		}
	}()
	conn, err := Dial(context.Background(), "ldap://"+ln.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func search(c *Conn) ([]*goldap.Entry, *Result, error) {
	var got []*goldap.Entry
	res, err := c.Search(goldap.NewSearchRequest("dc=example,dc=jp", goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", []string{"uid", "member"}, []goldap.Control{goldap.NewControlPaging(2)}), func(e *goldap.Entry) { got = append(got, e) })
	return got, res, err
}

// TestSearchReadsEntriesReferencesAndTheCookie: entries (arriving a byte at
// a time), a continuation reference, and the paging cookie of the result.
func TestSearchReadsEntriesReferencesAndTheCookie(t *testing.T) {
	members := make([]string, 3000) // a long form length: more than 64 KiB
	for i := range members {
		members[i] = "uid=user" + strings.Repeat("x", 20) + string(rune('a'+i%26)) + ",ou=people,dc=example,dc=jp"
	}
	c := scripted(t, true, func(id int64) []byte {
		paging := goldap.NewControlPaging(2)
		paging.SetCookie([]byte("next"))
		return slices.Concat(
			message(id, entryOp("uid=alice,ou=people,dc=example,dc=jp", attr{"uid", []string{"alice"}})),
			message(id, entryOp("cn=big,ou=groups,dc=example,dc=jp", attr{"cn", []string{"big"}}, attr{"member", members}, attr{"empty", nil})),
			message(id, func() *ber.Packet {
				op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, goldap.ApplicationSearchResultReference, nil, "")
				op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "ldap://other.example.jp/ou=x,dc=example,dc=jp", ""))
				return op
			}()),
			message(id, resultOp(goldap.ApplicationSearchResultDone, 0, ""), paging),
		)
	})
	got, res, err := search(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || res.Entries != 2 || got[0].DN != "uid=alice,ou=people,dc=example,dc=jp" || got[0].GetAttributeValue("uid") != "alice" {
		t.Fatalf("entries: %+v", got)
	}
	if m := got[1].GetAttributeValues("member"); !slices.Equal(m, members) {
		t.Errorf("member: %d values, want %d", len(m), len(members))
	}
	if v := got[1].GetAttributeValues("empty"); len(v) != 0 {
		t.Errorf("an attribute without values: %q", v)
	}
	// Each attribute's values are its own: appending to one leaves the next alone.
	cn := got[1].GetAttributeValues("cn")
	_ = append(cn, "changed")
	if got[1].GetAttributeValues("member")[0] != members[0] {
		t.Error("appending to one attribute's values changed another's")
	}
	if !slices.Equal(res.Referrals, []string{"ldap://other.example.jp/ou=x,dc=example,dc=jp"}) {
		t.Errorf("referrals: %q", res.Referrals)
	}
	p, _ := goldap.FindControl(res.Controls, goldap.ControlTypePaging).(*goldap.ControlPaging)
	if p == nil || string(p.Cookie) != "next" {
		t.Errorf("paging control: %+v", res.Controls)
	}
}

// TestResultErrorsAreGoLDAPs: a result other than success is go-ldap's
// *Error with its code, and a referral result keeps its URIs in the packet.
func TestResultErrorsAreGoLDAPs(t *testing.T) {
	c := scripted(t, false, func(id int64) []byte {
		return slices.Concat(
			message(id, entryOp("uid=alice,dc=example,dc=jp")),
			message(id, resultOp(goldap.ApplicationSearchResultDone, goldap.LDAPResultSizeLimitExceeded, "size limit")),
		)
	})
	got, res, err := search(c)
	if !goldap.IsErrorWithCode(err, goldap.LDAPResultSizeLimitExceeded) || len(got) != 1 || res.Entries != 1 {
		t.Fatalf("size limit: %v, %d entries", err, len(got))
	}
	c = scripted(t, false, func(id int64) []byte {
		return message(id, resultOp(goldap.ApplicationSearchResultDone, goldap.LDAPResultReferral, "", "ldap://dc2.example.jp/dc=example,dc=jp"))
	})
	_, _, err = search(c)
	var le *goldap.Error
	if !errors.As(err, &le) || le.ResultCode != goldap.LDAPResultReferral || le.Packet == nil {
		t.Fatalf("referral: %v", err)
	}
}

// TestHostileAnswersAreRefused: what a broken or hostile server sends is an
// error, never a panic, a hang, or memory it did not send.
func TestHostileAnswersAreRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		answer func(id int64) []byte
		want   string
	}{
		"a length of 100 MB, then the connection closed": {func(id int64) []byte { return []byte{0x30, 0x84, 0x06, 0x00, 0x00, 0x00, 0x02, 0x01} }, "unexpected EOF"},
		"a length beyond the limit":                      {func(id int64) []byte { return []byte{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff} }, "more than the"},
		"indefinite length":                              {func(id int64) []byte { return []byte{0x30, 0x80, 0x00, 0x00} }, "indefinite"},
		"not a sequence":                                 {func(id int64) []byte { return []byte{0x04, 0x01, 0x41} }, "not a SEQUENCE"},
		"another message's answer": {func(id int64) []byte {
			return message(id+1, resultOp(goldap.ApplicationSearchResultDone, 0, ""))
		}, "while waiting for"},
		"the notice of disconnection": {func(id int64) []byte {
			return message(0, resultOp(goldap.ApplicationExtendedResponse, goldap.LDAPResultUnavailable, "shutting down"))
		}, "closed the connection"},
		"an entry whose attribute list overruns it": {func(id int64) []byte {
			b := message(id, entryOp("uid=a", attr{"uid", []string{"a"}}))
			b[len(b)-3]++ // the last value's length
			return b
		}, "malformed"},
		"an entry without its attribute list": {func(id int64) []byte {
			op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, goldap.ApplicationSearchResultEntry, nil, "")
			op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "uid=a", ""))
			return message(id, op)
		}, "malformed"},
		"a bind answer to a search": {func(id int64) []byte {
			return message(id, resultOp(goldap.ApplicationBindResponse, 0, ""))
		}, "unexpected answer"},
	} {
		t.Run(name, func(t *testing.T) {
			c := scripted(t, false, tc.answer)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, err := search(c)
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
				t.Errorf("%d MB allocated for a few bytes sent", grew>>20)
			}
		})
	}
}

// TestBindRefusesAnEmptyPassword: an empty password would bind anonymously.
func TestBindRefusesAnEmptyPassword(t *testing.T) {
	c := scripted(t, false, func(id int64) []byte { return nil })
	if err := c.Bind("cn=reader,dc=example,dc=jp", ""); err == nil || !strings.Contains(err.Error(), "anonymously") {
		t.Fatalf("empty password: %v", err)
	}
}

// reference decodes an entry message the way go-ldap does, through
// asn1-ber's packets: what decodeEntry must agree with.
func reference(msg []byte) (*goldap.Entry, bool) {
	p, err := ber.DecodePacketErr(msg)
	if err != nil || len(p.Children) < 2 {
		return nil, false
	}
	op := p.Children[1]
	if op.ClassType != ber.ClassApplication || op.TagType != ber.TypeConstructed || op.Tag != goldap.ApplicationSearchResultEntry || len(op.Children) != 2 {
		return nil, false
	}
	dn, ok := op.Children[0].Value.(string)
	if !ok || op.Children[0].Tag != ber.TagOctetString || op.Children[0].ClassType != ber.ClassUniversal {
		return nil, false
	}
	e := &goldap.Entry{DN: dn}
	for _, a := range op.Children[1].Children {
		if len(a.Children) != 2 {
			return nil, false
		}
		name, ok := a.Children[0].Value.(string)
		if !ok {
			return nil, false
		}
		ea := &goldap.EntryAttribute{Name: name, Values: []string{}}
		for _, v := range a.Children[1].Children {
			s, ok := v.Value.(string)
			if !ok || v.Tag != ber.TagOctetString {
				return nil, false
			}
			ea.Values = append(ea.Values, s)
		}
		e.Attributes = append(e.Attributes, ea)
	}
	return e, true
}

func same(a, b *goldap.Entry) bool {
	if a.DN != b.DN || len(a.Attributes) != len(b.Attributes) {
		return false
	}
	for i := range a.Attributes {
		if a.Attributes[i].Name != b.Attributes[i].Name || !slices.Equal(a.Attributes[i].Values, b.Attributes[i].Values) {
			return false
		}
	}
	return true
}

// FuzzDecodeEntry: on any bytes the decoder returns an error or the entry
// asn1-ber and go-ldap's reading would give, and never panics.
func FuzzDecodeEntry(f *testing.F) {
	f.Add(message(1, entryOp("uid=alice,ou=people,dc=example,dc=jp", attr{"uid", []string{"alice"}}, attr{"cn;lang-ja", []string{"有子", ""}})))
	f.Add(message(7, entryOp("", attr{"member", nil})))
	f.Add(message(2, resultOp(goldap.ApplicationSearchResultDone, 0, "")))
	f.Fuzz(func(t *testing.T, msg []byte) {
		if _, err := messageID(msg); err != nil {
			return
		}
		tag, body, err := protocolOp(msg)
		if err != nil || tag != entryTag {
			return
		}
		got, err := decodeEntry(body)
		if err != nil {
			return
		}
		want, ok := reference(msg)
		if !ok {
			t.Fatalf("decoded %+v where asn1-ber does not", got)
		}
		if !same(got, want) {
			t.Fatalf("decoded %+v, asn1-ber %+v", got, want)
		}
	})
}

// TestCloseSaysGoodbye: Close sends an unbind request with a message id of
// its own (0 is the server's, for notices) before closing.
func TestCloseSaysGoodbye(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan *ber.Packet, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		p, _ := ber.ReadPacket(c)
		got <- p
	}()
	conn, err := Dial(context.Background(), "ldap://"+ln.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	p := <-got
	if p == nil || len(p.Children) != 2 || p.Children[0].Value == int64(0) || p.Children[1].Tag != goldap.ApplicationUnbindRequest || p.Children[1].ClassType != ber.ClassApplication {
		t.Fatalf("not an unbind request with an id: %v", p)
	}
}
