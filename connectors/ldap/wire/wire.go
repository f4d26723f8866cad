// Package wire reads LDAP directories: it dials, secures (ldaps:// or
// StartTLS), binds with a password, and searches, handing each entry to the
// caller as it comes off the connection.
//
// Why not go-ldap's Search: its reader turns every message into a tree of
// go-asn1-ber packets, and asn1-ber reads each value through a fresh 512-byte
// buffer and copies each child's encoding again into its parent's, so a
// member value costs about seven allocations and five copies. On a
// 100,000-account directory that decoding was a third of the pull. Here a
// message is read whole into one reused buffer and a search result entry
// (nearly all of a pull) is decoded in place, a string per value. Everything
// else — requests (with go-ldap's filter compiler and control encoders),
// results, referrals, controls — goes through asn1-ber and go-ldap as before,
// so errors are go-ldap's *Error, with the result code and the packet.
//
// go-ldap still makes the changes (package ldap's apply).
package wire

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/url"
	"slices"
	"sync/atomic"
	"time"

	"github.com/accessrecon/accessrecon/i18n"
	ber "github.com/go-asn1-ber/asn1-ber"
	goldap "github.com/go-ldap/ldap/v3"
)

// MaxMessage is the largest message a server may send: a search result
// entry of a group with about two million members.
const MaxMessage = 128 << 20

// DialTimeout bounds connecting and the TLS handshake.
var DialTimeout = 60 * time.Second

// Conn is one connection to a directory. It is not safe for concurrent use
// (one request at a time), except that Close may be called from another
// goroutine to end a request.
type Conn struct {
	conn  net.Conn
	r     *bufio.Reader
	msgID atomic.Int64 // Close, from another goroutine, sends a message too
	buf   []byte       // the message being read; reused
}

// Dial connects to an ldap:// or ldaps:// URL (default ports 389 and 636).
// ctx bounds the connection and the handshake only.
func Dial(ctx context.Context, rawURL string, tlsConfig *tls.Config) (*Conn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, i18n.Errorf("url %q: %w", rawURL, err)
	}
	host, port := u.Hostname(), u.Port()
	d := &net.Dialer{Timeout: DialTimeout}
	var conn net.Conn
	switch u.Scheme {
	case "ldap":
		if port == "" {
			port = "389"
		}
		conn, err = d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	case "ldaps":
		if port == "" {
			port = "636"
		}
		td := &tls.Dialer{NetDialer: d, Config: tlsConfig}
		conn, err = td.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	default:
		return nil, i18n.Errorf("url %q: expected ldap:// or ldaps://", rawURL)
	}
	if err != nil {
		return nil, err
	}
	return &Conn{conn: conn, r: bufio.NewReaderSize(conn, 64<<10)}, nil
}

// Close says goodbye (an unbind request, which has no answer) and closes
// the connection.
func (c *Conn) Close() error {
	c.conn.SetWriteDeadline(time.Now().Add(time.Second))
	c.send(ber.Encode(ber.ClassApplication, ber.TypePrimitive, goldap.ApplicationUnbindRequest, nil, "Unbind Request"), nil)
	return c.conn.Close()
}

// StartTLS secures the connection (RFC 4511 4.14).
func (c *Conn) StartTLS(ctx context.Context, tlsConfig *tls.Config) error {
	req := ber.Encode(ber.ClassApplication, ber.TypeConstructed, goldap.ApplicationExtendedRequest, nil, "Start TLS")
	req.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 0, "1.3.6.1.4.1.1466.20037", "TLS Extended Command"))
	if _, err := c.roundTrip(req, goldap.ApplicationExtendedResponse); err != nil {
		return err
	}
	if c.r.Buffered() > 0 {
		return i18n.Errorf("the server sent more before the TLS handshake")
	}
	tc := tls.Client(c.conn, tlsConfig)
	hctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		return err
	}
	c.conn = tc
	c.r.Reset(tc)
	return nil
}

// Bind authenticates with a DN and password (a simple bind). An empty
// password is refused: servers take it as an anonymous bind.
func (c *Conn) Bind(dn, password string) error {
	if password == "" {
		return i18n.Errorf("empty password: an empty password binds anonymously, and is not sent")
	}
	req := ber.Encode(ber.ClassApplication, ber.TypeConstructed, goldap.ApplicationBindRequest, nil, "Bind Request")
	req.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 3, "Version"))
	req.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, dn, "User Name"))
	req.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 0, password, "Password"))
	_, err := c.roundTrip(req, goldap.ApplicationBindResponse)
	return err
}

// roundTrip sends one request and reads its one answer, of the given
// application tag, returning go-ldap's error for a result that is not
// success.
func (c *Conn) roundTrip(op *ber.Packet, answer ber.Tag) (*ber.Packet, error) {
	id, err := c.send(op, nil)
	if err != nil {
		return nil, err
	}
	msg, err := c.read(id)
	if err != nil {
		return nil, err
	}
	p, err := ber.DecodePacketErr(msg)
	if err != nil {
		return nil, i18n.Errorf("a malformed answer: %w", err)
	}
	if len(p.Children) < 2 || p.Children[1].ClassType != ber.ClassApplication || p.Children[1].Tag != answer {
		return nil, i18n.Errorf("an unexpected answer from the server")
	}
	return p, goldap.GetLDAPError(p)
}

// send writes a request in a new message and returns its id.
func (c *Conn) send(op *ber.Packet, controls []goldap.Control) (int64, error) {
	id := c.msgID.Add(1)
	env := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Request")
	env.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, "MessageID"))
	env.AppendChild(op)
	if len(controls) > 0 {
		cp := ber.Encode(ber.ClassContext, ber.TypeConstructed, 0, nil, "Controls")
		for _, ctrl := range controls {
			cp.AppendChild(ctrl.Encode())
		}
		env.AppendChild(cp)
	}
	if _, err := c.conn.Write(env.Bytes()); err != nil {
		return 0, err
	}
	return id, nil
}

// Result is what a search ended with besides its entries.
type Result struct {
	Entries   int              // how many were handed on
	Referrals []string         // the continuation references (SearchResultReference) received
	Controls  []goldap.Control // the controls of SearchResultDone (paging's cookie)
}

// Search sends a search and calls fn with each entry as it arrives. The
// entry is the caller's to keep; its attributes have Values (ByteValues are
// not filled: a string holds any bytes). A result other than success is
// go-ldap's *Error (with the result code, and the packet holding any
// referral), returned with what arrived before it.
func (c *Conn) Search(req *goldap.SearchRequest, fn func(*goldap.Entry)) (*Result, error) {
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, goldap.ApplicationSearchRequest, nil, "Search Request")
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, req.BaseDN, "Base DN"))
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, uint64(req.Scope), "Scope"))
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, uint64(req.DerefAliases), "Deref Aliases"))
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, uint64(req.SizeLimit), "Size Limit"))
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, uint64(req.TimeLimit), "Time Limit"))
	op.AppendChild(ber.NewBoolean(ber.ClassUniversal, ber.TypePrimitive, ber.TagBoolean, req.TypesOnly, "Types Only"))
	filter, err := goldap.CompileFilter(req.Filter)
	if err != nil {
		return nil, err
	}
	op.AppendChild(filter)
	attrs := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Attributes")
	for _, a := range req.Attributes {
		attrs.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, a, "Attribute"))
	}
	op.AppendChild(attrs)
	id, err := c.send(op, req.Controls)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	for {
		msg, err := c.read(id)
		if err != nil {
			return res, err
		}
		tag, body, err := protocolOp(msg)
		if err != nil {
			return res, err
		}
		if tag == entryTag {
			e, err := decodeEntry(body)
			if err != nil {
				return res, err
			}
			res.Entries++
			fn(e)
			continue
		}
		p, err := ber.DecodePacketErr(msg)
		if err != nil {
			return res, i18n.Errorf("a malformed answer: %w", err)
		}
		if len(p.Children) < 2 || p.Children[1].ClassType != ber.ClassApplication {
			return res, i18n.Errorf("an unexpected answer from the server")
		}
		switch p.Children[1].Tag {
		case goldap.ApplicationSearchResultReference:
			for _, uri := range p.Children[1].Children {
				if v, ok := uri.Value.(string); ok && v != "" {
					res.Referrals = append(res.Referrals, v)
				}
			}
		case goldap.ApplicationSearchResultDone:
			if len(p.Children) > 2 {
				for _, cp := range p.Children[2].Children {
					ctrl, err := goldap.DecodeControl(cp)
					if err != nil {
						return res, i18n.Errorf("a malformed control: %w", err)
					}
					res.Controls = append(res.Controls, ctrl)
				}
			}
			return res, goldap.GetLDAPError(p)
		default:
			return res, i18n.Errorf("an unexpected answer from the server")
		}
	}
}

// read reads the next message, which must answer request id (or be the
// server's notice that it is closing the connection). The message, header
// included, is valid until the next read.
func (c *Conn) read(id int64) ([]byte, error) {
	msg, err := c.readMessage()
	if err != nil {
		return nil, err
	}
	got, err := messageID(msg)
	if err != nil {
		return nil, err
	}
	if got == 0 {
		// An unsolicited notification: the notice of disconnection.
		if p, err := ber.DecodePacketErr(msg); err == nil {
			if err := goldap.GetLDAPError(p); err != nil {
				return nil, i18n.Errorf("the server closed the connection: %w", err)
			}
		}
		return nil, i18n.Errorf("the server closed the connection")
	}
	if got != id {
		return nil, i18n.Errorf("an answer to message %d while waiting for %d", got, id)
	}
	if cap(c.buf) > 16<<20 {
		c.buf = nil // one huge group: not kept for the small entries after it
	}
	return msg, nil
}

// readMessage reads one LDAPMessage, the header too, into c.buf. The buffer
// grows as the bytes arrive, never ahead of them by more than what has
// come, so a length that lies costs no more memory than what is sent.
func (c *Conn) readMessage() ([]byte, error) {
	var head [6]byte
	b, err := c.r.ReadByte()
	if err != nil {
		return nil, err
	}
	if b != 0x30 {
		return nil, i18n.Errorf("a malformed answer: a message starts with 0x%02x, not a SEQUENCE", b)
	}
	head[0] = b
	n := 1
	l, err := c.r.ReadByte()
	if err != nil {
		return nil, unexpectedEOF(err)
	}
	head[n] = l
	n++
	length := int(l)
	if l >= 0x80 {
		k := int(l & 0x7f)
		if k == 0 {
			return nil, i18n.Errorf("a malformed answer: an indefinite length, which LDAP does not allow")
		}
		if k > 4 {
			return nil, i18n.Errorf("a malformed answer: a length of %d bytes", k)
		}
		length = 0
		for range k {
			b, err := c.r.ReadByte()
			if err != nil {
				return nil, unexpectedEOF(err)
			}
			head[n] = b
			n++
			length = length<<8 | int(b)
		}
	}
	if length > MaxMessage {
		return nil, i18n.Errorf("a message of %d bytes, more than the %d allowed", length, MaxMessage)
	}
	buf := append(c.buf[:0], head[:n]...)
	total := n + length
	for len(buf) < total {
		chunk := min(total-len(buf), max(len(buf), 64<<10))
		buf = slices.Grow(buf, chunk)
		m, err := io.ReadFull(c.r, buf[len(buf):len(buf)+chunk])
		buf = buf[:len(buf)+m]
		if err != nil {
			c.buf = buf
			return nil, unexpectedEOF(err)
		}
	}
	c.buf = buf
	return buf, nil
}

func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
