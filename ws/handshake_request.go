package ws

import (
	"net/textproto"
	"strconv"
	"strings"
)

// ParseRequest parses a complete request head (as HeadReader.Feed returns
// it: start line, header fields, blank line, nothing after) and validates
// it as an opening handshake (RFC 6455 §4.2.1). Failures are *Error with
// Code CodeHandshake and Status set to the HTTP status to answer with
// (400, or 426 for a missing or unsupported Sec-WebSocket-Version); see
// Reject. Trailing bytes after the head are a CodeArg error.
func ParseRequest(head []byte) (*Request, error) {
	var parts []string
	_, h, fields, err := readHead(head, 400, func(line string) error {
		// RFC 7230 §3.1.1: request-line = method SP request-target SP HTTP-version
		if parts = strings.Split(line, " "); len(parts) != 3 {
			return handshakeError(400, "handshake: malformed request line "+quote(line)+": want \"GET /path HTTP/1.1\"").because(FailMalformed, "")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return newRequest(parts[0], parts[1], parts[2], h, fields)
}

// RequestFromHeaders validates an opening handshake whose head the host
// already parsed (a CGI, ASGI or framework server), with the same rules
// and errors as ParseRequest. Header names are case-insensitive; repeated
// names are kept in order; values are trimmed of surrounding whitespace.
func RequestFromHeaders(method, target, proto string, headers [][2]string) (*Request, error) {
	h, err := headerFromPairs(headers, 400)
	if err != nil {
		return nil, err
	}
	return newRequest(method, target, proto, h, trimmedPairs(headers))
}

// missingOrBad classifies a list-valued header field that lacks a token.
func missingOrBad(values []string) Failure {
	if len(values) == 0 {
		return FailMissingHeader
	}
	return FailBadHeader
}

// newRequest applies RFC 6455 §4.2.1 to a parsed request.
func newRequest(method, target, proto string, h textproto.MIMEHeader, fields [][2]string) (*Request, error) {
	// §4.2.1 item 1: "An HTTP/1.1 or higher GET request". The method is
	// case-sensitive (RFC 7231 §4.1).
	if method != "GET" {
		return nil, handshakeError(400, "handshake: the method must be GET, got "+quote(method)).because(FailMethod, "")
	}
	if !isHTTP11(proto) {
		return nil, handshakeError(400, "handshake: the protocol must be HTTP/1.1 or a later HTTP/1.x, got "+quote(proto)).because(FailHTTPVersion, "")
	}
	path, authority, err := splitTarget(target)
	if err != nil {
		return nil, err
	}
	// §4.2.1 item 2 and RFC 7230 §5.4: exactly one Host.
	hosts := h[hHost]
	if len(hosts) != 1 {
		return nil, handshakeError(400, "handshake: the request must have exactly one Host header field, got "+countFields(hosts)).because(headerFailure(hosts), "Host")
	}
	if !validHost(hosts[0]) {
		return nil, handshakeError(400, "handshake: the Host header field "+quote(hosts[0])+" is not host[:port]").because(FailBadHeader, "Host")
	}
	host := hosts[0]
	if authority != "" {
		host = authority // RFC 7230 §5.5: the target's authority wins
	}
	// §4.2.1 item 3: Upgrade includes "websocket" (case-insensitive).
	if !hasToken(h[hUpgrade], "websocket") {
		return nil, handshakeError(400, "handshake: the Upgrade header field must include \"websocket\", got "+quoteFields(h[hUpgrade])).because(missingOrBad(h[hUpgrade]), "Upgrade")
	}
	// §4.2.1 item 4: Connection includes the token "Upgrade".
	if !hasToken(h[hConnection], "upgrade") {
		return nil, handshakeError(400, "handshake: the Connection header field must include \"Upgrade\", got "+quoteFields(h[hConnection])).because(missingOrBad(h[hConnection]), "Connection")
	}
	// §4.2.1 item 6 and §4.4: otherwise answer 426 with the versions we speak.
	if v := h[hVersion]; len(v) != 1 || v[0] != "13" {
		return nil, handshakeError(426, "handshake: Sec-WebSocket-Version must be exactly one field \"13\", got "+quoteFields(v)).because(FailVersion, "Sec-WebSocket-Version")
	}
	// §4.2.1 item 5: base64 of a 16-byte nonce.
	keys := h[hKey]
	if len(keys) != 1 {
		return nil, handshakeError(400, "handshake: the request must have exactly one Sec-WebSocket-Key header field, got "+countFields(keys)).because(headerFailure(keys), "Sec-WebSocket-Key")
	}
	if !validKey(keys[0]) {
		return nil, handshakeError(400, "handshake: Sec-WebSocket-Key must be base64 of 16 bytes, got "+quote(keys[0])).because(FailBadHeader, "Sec-WebSocket-Key")
	}
	protocols, exts, err := requestOffers(h)
	if err != nil {
		return nil, err
	}
	return &Request{
		Method:       method,
		Target:       path,
		Proto:        proto,
		Host:         host,
		Header:       h,
		Fields:       fields,
		Key:          keys[0],
		Origin:       h.Get(hOrigin),
		Subprotocols: protocols,
		Extensions:   exts,
	}, nil
}

// requestOffers checks and returns what a request offers (§4.2.1 items 8
// and 9, §9.1), over HTTP/1.1 or an extended CONNECT alike, and that it
// has at most one Origin.
func requestOffers(h textproto.MIMEHeader) ([]string, []Extension, error) {
	// RFC 6454 §7.3: one Origin; two would let checks disagree.
	if len(h[hOrigin]) > 1 {
		return nil, nil, handshakeError(400, "handshake: the request has "+strconv.Itoa(len(h[hOrigin]))+" Origin header fields; at most one is allowed").because(FailDuplicateHeader, "Origin")
	}
	// §4.2.1 item 8 and §4.1: the subprotocols are tokens.
	protocols := listElements(h[hProtocol])
	for _, p := range protocols {
		if !isToken(p) {
			return nil, nil, handshakeError(400, "handshake: Sec-WebSocket-Protocol element "+quote(p)+" is not a token").because(FailBadHeader, "Sec-WebSocket-Protocol")
		}
	}
	// §4.2.1 item 9 and §9.1.
	exts, err := ParseExtensions(h[hExtensions]...)
	if err != nil {
		e := err.(*Error)
		return nil, nil, handshakeError(400, e.Msg).because(FailBadHeader, "Sec-WebSocket-Extensions")
	}
	return protocols, exts, nil
}

// isHTTP11 reports whether proto is "HTTP/1.1" or a later "HTTP/1.x"
// (RFC 7230 §2.6: HTTP-version = "HTTP/" DIGIT "." DIGIT).
func isHTTP11(proto string) bool {
	return len(proto) == 8 && strings.HasPrefix(proto, "HTTP/1.") && proto[7] >= '1' && proto[7] <= '9'
}

// splitTarget checks a request-target (RFC 7230 §5.3) and returns its path
// and query, and its authority in absolute-form. Origin-form ("/chat?x")
// and absolute-form with a ws, wss, http or https URI are accepted.
func splitTarget(target string) (path, authority string, err error) {
	// RFC 3986 characters only: a fragment is never sent (RFC 6455 §3:
	// "Fragment identifiers ... MUST NOT be used").
	if !isVisible(target) || strings.IndexByte(target, '#') >= 0 {
		return "", "", handshakeError(400, "handshake: request-target "+quote(target)+" must be visible ASCII with no fragment").because(FailTarget, "")
	}
	if target[0] == '/' {
		return target, "", nil
	}
	scheme, rest, ok := strings.Cut(target, "://")
	switch strings.ToLower(scheme) {
	case "ws", "wss", "http", "https":
	default:
		ok = false
	}
	if !ok {
		return "", "", handshakeError(400, "handshake: request-target "+quote(target)+" must be a path (\"/chat\") or a ws, wss, http or https URI").because(FailTarget, "")
	}
	i := strings.IndexAny(rest, "/?")
	if i < 0 {
		i = len(rest)
	}
	authority, path = rest[:i], rest[i:]
	// RFC 7230 §2.7.1: no userinfo in http(s) URIs; RFC 6455 §3 has none.
	if !validHost(authority) {
		return "", "", handshakeError(400, "handshake: request-target "+quote(target)+" must name a host and no user information").because(FailTarget, "")
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path // RFC 7230 §5.3.1: an empty path means "/"
	}
	return path, authority, nil
}

// validHost reports whether s can be uri-host [":" port] (RFC 7230 §5.4,
// RFC 3986 §3.2.2): unreserved, percent-encoded and sub-delims characters,
// ":" and the brackets of an IP literal. Userinfo ("@") is not allowed.
func validHost(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-._~%!$&'()*+,;=:[]", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// countFields says how many fields there were, for error messages.
func countFields(v []string) string {
	switch len(v) {
	case 0:
		return "none"
	}
	return "several (" + quoteFields(v) + ")"
}

// quoteFields renders the values of a repeated field for error messages.
func quoteFields(v []string) string {
	if len(v) == 0 {
		return "none"
	}
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = quote(s)
	}
	return strings.Join(q, ", ")
}
