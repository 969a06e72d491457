package driver

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/libws/libws/tests/conformance/internal/pmd"
	"github.com/libws/libws/tests/conformance/internal/wire"
)

// Handshake is what the opening handshake said, for reports.
type Handshake struct {
	Request, Response string
	Offers            []pmd.Offer
	DeflateResponse   *pmd.Response // the permessage-deflate response element, if any
	Agreed            *pmd.Params
}

// Dial connects to addr, sends an opening request for path with the given
// permessage-deflate offers, and checks the server's answer (RFC 6455
// §4.1, RFC 7692 §7.1). On success the returned Conn is open and reading.
func Dial(addr, path string, offers []pmd.Offer, timeout time.Duration) (*Conn, *Handshake, error) {
	nc, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, nil, fmt.Errorf("connect: %w", err)
	}
	hs := &Handshake{Offers: offers}
	key := wire.NewKey()
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", path, addr, key)
	if len(offers) > 0 {
		exts := make([]wire.Extension, len(offers))
		for i, o := range offers {
			exts[i] = o.Extension()
		}
		fmt.Fprintf(&b, "Sec-WebSocket-Extensions: %s\r\n", wire.FormatExtensions(exts))
	}
	b.WriteString("User-Agent: libws-conformance\r\n\r\n")
	hs.Request = b.String()
	nc.SetDeadline(time.Now().Add(timeout))
	if _, err := nc.Write([]byte(hs.Request)); err != nil {
		nc.Close()
		return nil, hs, fmt.Errorf("opening handshake: write: %w", err)
	}
	br := bufio.NewReaderSize(nc, 64<<10)
	head, err := wire.ReadHead(br, 16<<10)
	if err != nil {
		nc.Close()
		return nil, hs, fmt.Errorf("opening handshake: reading the response: %w", err)
	}
	hs.Response = head.String()
	nc.SetDeadline(time.Time{})
	agreed, err := checkResponse(head, key, offers, hs)
	if err != nil {
		nc.Close()
		return nil, hs, fmt.Errorf("opening handshake: %w", err)
	}
	hs.Agreed = agreed
	c := New(Client, nc, br, agreed)
	c.Start()
	return c, hs, nil
}

func checkResponse(h *wire.Head, key string, offers []pmd.Offer, hs *Handshake) (*pmd.Params, error) {
	parts := strings.SplitN(h.StartLine, " ", 3)
	if len(parts) < 2 || parts[0] != "HTTP/1.1" || parts[1] != "101" {
		return nil, fmt.Errorf("status line %q, want HTTP/1.1 101", h.StartLine)
	}
	if !h.HasToken("Upgrade", "websocket") {
		return nil, fmt.Errorf("no Upgrade: websocket in the response")
	}
	if !h.HasToken("Connection", "upgrade") {
		return nil, fmt.Errorf("no Connection: Upgrade in the response")
	}
	acc := h.Values("Sec-WebSocket-Accept")
	if len(acc) != 1 || acc[0] != wire.AcceptKey(key) {
		return nil, fmt.Errorf("Sec-WebSocket-Accept %q, want %q", acc, wire.AcceptKey(key))
	}
	if _, ok := h.Get("Sec-WebSocket-Protocol"); ok {
		return nil, fmt.Errorf("a subprotocol was selected but none was offered")
	}
	exts, err := wire.ParseExtensions(h.Values("Sec-WebSocket-Extensions"))
	if err != nil {
		return nil, err
	}
	var agreed *pmd.Params
	for _, e := range exts {
		if e.Name != pmd.Name || len(offers) == 0 {
			return nil, fmt.Errorf("extension %q in the response was not offered", e.Name)
		}
		if agreed != nil {
			return nil, fmt.Errorf("permessage-deflate accepted twice")
		}
		r, err := pmd.ParseResponse(e)
		if err != nil {
			return nil, fmt.Errorf("permessage-deflate response %q: %w", e.String(), err)
		}
		p, _, err := pmd.Agree(offers, r)
		if err != nil {
			return nil, err
		}
		hs.DeflateResponse = &r
		agreed = &p
	}
	return agreed, nil
}

// Request is a client's opening request as the fuzzing server read it.
type Request struct {
	Head   *wire.Head
	Path   string
	Query  url.Values
	Key    string
	Offers []pmd.Offer
	br     *bufio.Reader
	nc     net.Conn
}

// ReadRequest reads and checks a client's opening request (RFC 6455
// §4.2.1). A malformed request is answered with 400 and an error.
func ReadRequest(nc net.Conn, timeout time.Duration) (*Request, error) {
	nc.SetDeadline(time.Now().Add(timeout))
	br := bufio.NewReaderSize(nc, 64<<10)
	h, err := wire.ReadHead(br, 16<<10)
	if err != nil {
		return nil, fmt.Errorf("reading the opening request: %w", err)
	}
	r := &Request{Head: h, br: br, nc: nc}
	fail := func(format string, a ...any) (*Request, error) {
		msg := fmt.Sprintf(format, a...)
		fmt.Fprintf(nc, "HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(msg), msg)
		return r, fmt.Errorf("opening request: %s", msg)
	}
	parts := strings.Split(h.StartLine, " ")
	if len(parts) != 3 || parts[0] != "GET" || parts[2] != "HTTP/1.1" {
		return fail("request line %q, want GET <target> HTTP/1.1", h.StartLine)
	}
	u, err := url.ParseRequestURI(parts[1])
	if err != nil {
		return fail("request target %q: %v", parts[1], err)
	}
	r.Path, r.Query = u.Path, u.Query()
	if hosts := h.Values("Host"); len(hosts) != 1 || hosts[0] == "" {
		return fail("Host field %q: want exactly one", hosts)
	}
	if !h.HasToken("Upgrade", "websocket") {
		return fail("no Upgrade: websocket")
	}
	if !h.HasToken("Connection", "upgrade") {
		return fail("no Connection: Upgrade")
	}
	if v := h.Values("Sec-WebSocket-Version"); len(v) != 1 || v[0] != "13" {
		return fail("Sec-WebSocket-Version %q, want 13", v)
	}
	keys := h.Values("Sec-WebSocket-Key")
	if len(keys) != 1 {
		return fail("want one Sec-WebSocket-Key, got %q", keys)
	}
	if k, err := base64.StdEncoding.DecodeString(keys[0]); err != nil || len(k) != 16 {
		return fail("Sec-WebSocket-Key %q is not 16 bytes in base64", keys[0])
	}
	r.Key = keys[0]
	exts, err := wire.ParseExtensions(h.Values("Sec-WebSocket-Extensions"))
	if err != nil {
		return fail("%v", err)
	}
	for _, e := range exts {
		if e.Name != pmd.Name {
			continue
		}
		o, err := pmd.ParseOffer(e)
		if err != nil {
			return fail("permessage-deflate offer %q: %v", e.String(), err)
		}
		r.Offers = append(r.Offers, o)
	}
	return r, nil
}

// Accept answers the request with 101 (and a permessage-deflate response
// for offer index i when resp is not nil) and returns the open Conn.
func (r *Request) Accept(resp *pmd.Response, offer int) (*Conn, string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n", wire.AcceptKey(r.Key))
	var agreed *pmd.Params
	if resp != nil {
		fmt.Fprintf(&b, "Sec-WebSocket-Extensions: %s\r\n", resp.String())
		p := pmd.ServerParams(r.Offers[offer], *resp)
		agreed = &p
	}
	b.WriteString("Server: libws-conformance\r\n\r\n")
	if _, err := r.nc.Write([]byte(b.String())); err != nil {
		r.nc.Close()
		return nil, b.String(), err
	}
	r.nc.SetDeadline(time.Time{})
	c := New(Server, r.nc, r.br, agreed)
	c.Start()
	return c, b.String(), nil
}
