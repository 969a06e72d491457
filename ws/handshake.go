package ws

import (
	"crypto/sha1"
	"encoding/base64"
	"net/textproto"
	"strconv"
	"strings"
	"unicode/utf8"
)

// websocketGUID is the magic string of RFC 6455 §1.3 and §4.2.2.
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// Header field names in textproto's canonical form, for map look-ups.
// (On the wire we write the RFC's spelling, e.g. "Sec-WebSocket-Key".)
const (
	hHost       = "Host"
	hUpgrade    = "Upgrade"
	hConnection = "Connection"
	hOrigin     = "Origin"
	hKey        = "Sec-Websocket-Key"
	hVersion    = "Sec-Websocket-Version"
	hAccept     = "Sec-Websocket-Accept"
	hProtocol   = "Sec-Websocket-Protocol"
	hExtensions = "Sec-Websocket-Extensions"
)

// AcceptKey returns the Sec-WebSocket-Accept value for a Sec-WebSocket-Key
// (RFC 6455 §4.2.2 item 5.4): base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
func AcceptKey(key string) string {
	sum := sha1.Sum([]byte(key + websocketGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Request is a client's opening handshake (RFC 6455 §4.1, §4.2.1) as a
// server sees it. ParseRequest and RequestFromHeaders return only requests
// that passed every check of §4.2.1.
type Request struct {
	Method string // "GET"; "CONNECT" over HTTP/2 and HTTP/3 (RequestFromConnect)
	// Target is the path and query ("/chat?x=1"), as sent. For an
	// absolute-form request-target ("ws://host/chat") it is the path and
	// query of that URI; for an extended CONNECT, :path.
	Target string
	Proto  string // "HTTP/1.1"; ProtoHTTP2 or ProtoHTTP3 for an extended CONNECT
	// Scheme is an extended CONNECT's :scheme, "https" (wss) or "http"
	// (ws); "" over HTTP/1.1.
	Scheme string
	// Host is the Host header field, or the authority of an absolute-form
	// request-target (RFC 7230 §5.5), which a client must keep identical;
	// for an extended CONNECT, :authority.
	Host string
	// Header holds every header field, under canonical keys
	// (textproto.CanonicalMIMEHeaderKey: "Sec-Websocket-Key"), with repeated
	// fields in the order received. An open server connection drops it to
	// save memory and Conn.Request builds it again (Conn.PeekRequest does
	// not: use Value).
	Header textproto.MIMEHeader
	// Fields lists the header fields in the order received, names as sent.
	Fields [][2]string
	// Key is Sec-WebSocket-Key: base64 of 16 bytes; "" for an extended
	// CONNECT, which has no key (RFC 8441 §5).
	Key string
	// Origin is the Origin header field, or "" if absent.
	Origin string
	// Subprotocols are the offered subprotocols in the client's order: every
	// Sec-WebSocket-Protocol field, comma lists split, elements trimmed.
	Subprotocols []string
	// Extensions are the parsed Sec-WebSocket-Extensions offers in order,
	// from every field.
	Extensions []Extension
}

// Response is a server's answer to the opening handshake as a client sees
// it.
type Response struct {
	Proto  string // "HTTP/1.1"
	Status int    // 101 when the server accepts
	Reason string // "Switching Protocols"
	// Header holds every header field under canonical keys, repeated fields
	// in order.
	Header textproto.MIMEHeader
	// Fields lists the header fields in the order received, names as sent.
	Fields [][2]string
}

// Agreement is what an opening handshake settled.
type Agreement struct {
	// Subprotocol is the selected subprotocol, or "" if none.
	Subprotocol string
	// Deflate holds the permessage-deflate parameters in use, or nil when
	// the extension is not in use. When non-nil both window bits are set
	// (8..15).
	Deflate *DeflateParams
	// Extensions lists every extension in use, in the order of the
	// response, permessage-deflate included.
	Extensions []Extension
}

// isTokenByte reports whether c is a tchar (RFC 7230 §3.2.6).
func isTokenByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return c != 0 && strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// isToken reports whether s is a non-empty token (RFC 7230 §3.2.6).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenByte(s[i]) {
			return false
		}
	}
	return true
}

// validFieldValue reports whether s may be sent as a field value: no
// control characters except HTAB (RFC 7230 §3.2: field-content is VCHAR,
// obs-text, SP and HTAB). This is what keeps CR/LF from splitting a head.
func validFieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if isCTL(s[i]) {
			return false
		}
	}
	return true
}

// isCTL reports whether c is a control character other than HTAB.
func isCTL(c byte) bool { return (c < ' ' && c != '\t') || c == 0x7f }

// isVisible reports whether s is non-empty visible ASCII (VCHAR), as a
// request-target and a Host must be.
func isVisible(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// listElements splits comma-separated field values (RFC 7230 §7 "#rule")
// into trimmed elements, dropping empty ones, across every field.
func listElements(values []string) []string {
	var out []string
	for _, v := range values {
		for _, e := range strings.Split(v, ",") {
			if e = strings.Trim(e, " \t"); e != "" {
				out = append(out, e)
			}
		}
	}
	return out
}

// hasToken reports whether any element of the comma lists in values is an
// ASCII case-insensitive match for tok (Upgrade, Connection).
func hasToken(values []string, tok string) bool {
	for _, e := range listElements(values) {
		if strings.EqualFold(e, tok) {
			return true
		}
	}
	return false
}

// validKey reports whether key is a valid Sec-WebSocket-Key: standard,
// padded base64 that decodes to exactly 16 bytes (RFC 6455 §4.1 item 7,
// §4.2.1 item 5).
func validKey(key string) bool {
	// 16 bytes are always 24 characters; the length check also keeps the
	// decoder from skipping CR/LF, which it ignores.
	if len(key) != 24 {
		return false
	}
	b, err := base64.StdEncoding.Strict().DecodeString(key)
	return err == nil && len(b) == 16
}

// quote renders peer- or host-supplied text for an error message, cut
// short (whole characters, escapes counted) so that a huge header or a
// binary reply does not make a huge message.
func quote(s string) string {
	const max = 64  // bytes of s shown at most
	const room = 80 // characters of the quoted form at most
	if q := strconv.Quote(s); len(s) <= max && len(q) <= room {
		return q
	}
	n := min(len(s), max)
	for {
		for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
			n-- // whole characters only
		}
		if q := strconv.Quote(s[:n]); len(q) <= room || n == 0 {
			return q + "..."
		}
		n--
	}
}

// headerFromPairs builds a header map from name/value pairs that a host
// parsed itself, with the checks ParseRequest gets from textproto: names
// are tokens, values carry no control characters; values lose surrounding
// whitespace (RFC 7230 §3.2.4 OWS). Failures are handshake errors with the
// given status.
func headerFromPairs(pairs [][2]string, status int) (textproto.MIMEHeader, error) {
	h := make(textproto.MIMEHeader, len(pairs))
	for _, p := range pairs {
		if !isToken(p[0]) {
			return nil, handshakeError(status, "handshake: header field name "+quote(p[0])+" is not a token")
		}
		if !validFieldValue(p[1]) {
			return nil, handshakeError(status, "handshake: header field "+p[0]+" has a control character (CR, LF, NUL...) in its value "+quote(p[1]))
		}
		k := textproto.CanonicalMIMEHeaderKey(p[0])
		h[k] = append(h[k], strings.Trim(p[1], " \t"))
	}
	return h, nil
}

// trimmedPairs copies header pairs with values trimmed as headerFromPairs
// stores them.
func trimmedPairs(pairs [][2]string) [][2]string {
	out := make([][2]string, len(pairs))
	for i, p := range pairs {
		out[i] = [2]string{p[0], strings.Trim(p[1], " \t")}
	}
	return out
}

// checkExtraHeaders validates the extra header fields a host asks us to
// send. reserved returns a non-empty explanation for a canonical name the
// handshake sets itself. Failures are CodeArg errors.
func checkExtraHeaders(pairs [][2]string, reserved func(canon string) string) error {
	for _, p := range pairs {
		if !isToken(p[0]) {
			return newError(CodeArg, "handshake: extra header name "+quote(p[0])+" is not a token")
		}
		if !validFieldValue(p[1]) {
			return newError(CodeArg, "handshake: extra header "+p[0]+" has a control character (CR, LF, NUL...) in its value "+quote(p[1]))
		}
		if why := reserved(textproto.CanonicalMIMEHeaderKey(p[0])); why != "" {
			return newError(CodeArg, "handshake: extra header "+p[0]+" is not allowed: "+why)
		}
	}
	return nil
}

// reservedHeader explains why a host may not set a header field in an
// upgrade request or a 101 response: the handshake writes these itself, and
// a body-length field would make the peer read frames as a body.
func reservedHeader(canon string) string {
	switch {
	case canon == hHost, canon == hUpgrade, canon == hConnection, strings.HasPrefix(canon, "Sec-Websocket-"):
		return "the handshake sets it"
	case canon == "Content-Length", canon == "Transfer-Encoding":
		return "the bytes after the head are WebSocket frames, not a body"
	}
	return ""
}

// appendField appends one "Name: value" line.
func appendField(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, ": "...)
	b = append(b, value...)
	return append(b, "\r\n"...)
}

// appendFields appends name/value pairs as header lines.
func appendFields(b []byte, pairs [][2]string) []byte {
	for _, p := range pairs {
		b = appendField(b, p[0], p[1])
	}
	return b
}

// Value returns the index-th value of the header field name (any case) in
// the order received, from Fields; ok is false past the last one. Unlike
// Header it needs no map, which a server connection drops once open.
func (r *Request) Value(name string, index int) (v string, ok bool) {
	for _, f := range r.Fields {
		if strings.EqualFold(f[0], name) {
			if index == 0 {
				return f[1], true
			}
			index--
		}
	}
	return "", false
}

// fieldsHeader rebuilds a Header map from the ordered fields.
func fieldsHeader(fields [][2]string) textproto.MIMEHeader {
	h := make(textproto.MIMEHeader, len(fields))
	for _, f := range fields {
		k := textproto.CanonicalMIMEHeaderKey(f[0])
		h[k] = append(h[k], f[1])
	}
	return h
}
