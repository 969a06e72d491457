package ws

import (
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
)

// ClientHandshake builds a client's opening request (RFC 6455 §4.1) and
// checks the server's answer. Set the fields, call Request, send its bytes,
// read the answer's head (HeadReader), parse it (ParseResponse) and call
// Check.
type ClientHandshake struct {
	// URL is the ws:// or wss:// URI to open (RFC 6455 §3); required.
	URL string
	// Origin, if not empty, is sent as the Origin header field.
	Origin string
	// Subprotocols are offered in this order (Sec-WebSocket-Protocol); each
	// must be a token, and each only once.
	Subprotocols []string
	// Deflate configures permessage-deflate offers (RFC 7692); nil offers
	// nothing.
	Deflate *DeflateConfig
	// ExtensionOffers are extra Sec-WebSocket-Extensions values for
	// application extensions, sent after the permessage-deflate offers.
	// The server may accept any extension they name.
	ExtensionOffers []string
	// Header holds extra header fields for the request. Fields the
	// handshake sets (Host, Upgrade, Connection, Origin, Sec-WebSocket-*)
	// and body-length fields are refused.
	Header [][2]string
	// Key is the Sec-WebSocket-Key. When empty, Request makes a random one
	// and stores it here, for Check.
	Key string
}

// wsURL is a checked ws/wss URI, split as the request needs it.
type wsURL struct {
	secure bool   // wss: TLS (the :scheme "https" of an extended CONNECT)
	host   string // the Host field value: the port only when not the default
	target string // path and query
}

// parseWSURL checks a WebSocket URI (RFC 6455 §3) and splits it.
func parseWSURL(raw string) (wsURL, error) {
	bad := func(why string) (wsURL, error) {
		return wsURL{}, newError(CodeArg, "handshake: URL "+quote(raw)+" "+why)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("cannot be parsed: " + err.Error())
	}
	defaultPort := ""
	switch u.Scheme { // url.Parse lower-cases the scheme
	case "ws":
		defaultPort = "80"
	case "wss":
		defaultPort = "443"
	default:
		return bad("must start with ws:// or wss://")
	}
	// §3: "Fragment identifiers are meaningless in the context of
	// WebSocket URIs and MUST NOT be used".
	if strings.IndexByte(raw, '#') >= 0 {
		return bad("must not have a fragment (\"#...\")")
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return bad("must name a host: ws://host[:port]/path")
	}
	if strings.IndexByte(u.Hostname(), ':') >= 0 && u.Host[0] != '[' {
		return bad("must put an IPv6 address in brackets: ws://[::1]:port/")
	}
	// §3 ws-URI = "ws:" "//" host [ ":" port ] path [ "?" query ]
	if u.User != nil {
		return bad("must not have user information (\"user@\")")
	}
	host := u.Host
	if port := u.Port(); port != "" || strings.HasSuffix(host, ":") {
		p, err := strconv.Atoi(port)
		if err != nil || p < 1 || p > 65535 {
			return bad("has an invalid port " + quote(port))
		}
		// §4.1 item 4: the port is sent only when it is not the default.
		if p == 80 && defaultPort == "80" || p == 443 && defaultPort == "443" {
			host = host[:len(host)-len(port)-1]
		}
	}
	if !isVisible(host) {
		return bad("has a host that is not ASCII; use its A-label (punycode) form")
	}
	// §4.1 item 3: /path?query, "/" when the path is empty.
	target := u.EscapedPath()
	if target == "" {
		target = "/"
	}
	if u.RawQuery != "" || u.ForceQuery {
		target += "?" + u.RawQuery
	}
	if !isVisible(target) {
		return bad("has characters in its path or query that must be percent-encoded")
	}
	return wsURL{secure: defaultPort == "443", host: host, target: target}, nil
}

// reservedClientHeader adds Origin to the fields a request may not repeat.
func reservedClientHeader(canon string) string {
	if canon == hOrigin {
		return "set ClientHandshake.Origin instead"
	}
	return reservedHeader(canon)
}

// appExtensions parses ExtensionOffers and returns the extensions in
// them.
func (h *ClientHandshake) appExtensions() ([]Extension, error) {
	var all []Extension
	for i, v := range h.ExtensionOffers {
		exts, err := ParseExtensions(v)
		if err != nil {
			return nil, newError(CodeArg, "handshake: ExtensionOffers["+strconv.Itoa(i)+"]: "+strings.TrimPrefix(err.(*Error).Msg, "handshake: "))
		}
		for _, e := range exts {
			if e.Name == deflateName && h.Deflate != nil {
				return nil, newError(CodeArg, "handshake: ExtensionOffers["+strconv.Itoa(i)+"] offers permessage-deflate; configure it with ClientHandshake.Deflate only")
			}
		}
		all = append(all, exts...)
	}
	return all, nil
}

// Request returns the opening request's bytes (RFC 6455 §4.1): request
// line, Host, Upgrade, Connection, Sec-WebSocket-Key,
// Sec-WebSocket-Version, then Origin, Sec-WebSocket-Protocol and
// Sec-WebSocket-Extensions when there is something to send, the extra
// Header fields, and the blank line. Invalid fields are CodeArg errors.
func (h *ClientHandshake) Request() ([]byte, error) {
	u, err := parseWSURL(h.URL)
	if err != nil {
		return nil, err
	}
	offers, err := h.offers(reservedClientHeader)
	if err != nil {
		return nil, err
	}
	if h.Key == "" {
		h.Key = randomKey() // §4.1 item 7: a fresh random nonce per connection
	} else if !validKey(h.Key) {
		return nil, newError(CodeArg, "handshake: Key must be base64 of 16 bytes, got "+quote(h.Key))
	}

	b := make([]byte, 0, 256)
	b = append(b, "GET "...)
	b = append(b, u.target...)
	b = append(b, " HTTP/1.1\r\n"...)
	b = appendField(b, "Host", u.host)
	b = appendField(b, "Upgrade", "websocket")
	b = appendField(b, "Connection", "Upgrade")
	b = appendField(b, "Sec-WebSocket-Key", h.Key)
	b = appendField(b, "Sec-WebSocket-Version", "13")
	if h.Origin != "" {
		b = appendField(b, "Origin", h.Origin)
	}
	if len(h.Subprotocols) > 0 {
		b = appendField(b, "Sec-WebSocket-Protocol", strings.Join(h.Subprotocols, ", "))
	}
	if len(offers) > 0 {
		b = appendField(b, "Sec-WebSocket-Extensions", FormatExtensions(offers))
	}
	b = appendFields(b, h.Header)
	return append(b, "\r\n"...), nil
}

// offers checks the subprotocols, Origin, extension offers and extra
// header fields, for Request and ConnectRequest alike, and returns the
// extension offers to send. reserved names the extra fields refused.
func (h *ClientHandshake) offers(reserved func(canon string) string) ([]Extension, error) {
	// §4.1 item 10: non-empty tokens, all unique.
	seen := make(map[string]bool, len(h.Subprotocols))
	for _, p := range h.Subprotocols {
		if !isToken(p) {
			return nil, newError(CodeArg, "handshake: subprotocol "+quote(p)+" is not a token")
		}
		if seen[p] {
			return nil, newError(CodeArg, "handshake: subprotocol "+quote(p)+" is offered twice")
		}
		seen[p] = true
	}
	if !validFieldValue(h.Origin) {
		return nil, newError(CodeArg, "handshake: Origin "+quote(h.Origin)+" has a control character")
	}
	var offers []Extension
	if h.Deflate != nil {
		if err := h.Deflate.validate(); err != nil {
			return nil, err
		}
		offers = h.Deflate.offers()
	}
	app, err := h.appExtensions()
	if err != nil {
		return nil, err
	}
	offers = append(offers, app...)
	if err := checkExtraHeaders(h.Header, reserved); err != nil {
		return nil, err
	}
	return offers, nil
}

// Check validates the server's answer to the request made by Request
// (RFC 6455 §4.1, the client's checks after sending; RFC 7692 §7.1) and
// returns what was agreed. A status other than 101 is an *Error with Code
// CodeHandshake and Status set to that status; other handshake failures
// have Status 0; unoffered or unacceptable extensions have Code
// CodeExtension.
func (h *ClientHandshake) Check(resp *Response) (*Agreement, error) {
	if resp == nil {
		return nil, newError(CodeArg, "handshake: Check needs a response")
	}
	if h.Key == "" {
		return nil, newError(CodeArg, "handshake: Check needs the Key that Request sent; call Request first")
	}
	fail := func(f Failure, field, msg string) (*Agreement, error) {
		return nil, handshakeError(0, "handshake: "+msg).because(f, field)
	}
	// §4.1: "If the status code received from the server is not 101, the
	// client handles the response per HTTP procedures."
	if resp.Status != 101 {
		return nil, handshakeError(resp.Status, "handshake: the server answered "+strconv.Itoa(resp.Status)+" "+quote(resp.Reason)+", not 101 Switching Protocols").because(FailStatus, "")
	}
	// §4.1 items 1-4 of the response checks.
	if up := resp.Header[hUpgrade]; len(up) != 1 || !strings.EqualFold(up[0], "websocket") {
		return fail(headerFailure(up), "Upgrade", "the response must have one Upgrade header field \"websocket\", got "+quoteFields(up))
	}
	if !hasToken(resp.Header[hConnection], "upgrade") {
		return fail(missingOrBad(resp.Header[hConnection]), "Connection", "the response's Connection header field must include \"Upgrade\", got "+quoteFields(resp.Header[hConnection]))
	}
	if acc := resp.Header[hAccept]; len(acc) != 1 || acc[0] != AcceptKey(h.Key) {
		f := FailAccept
		if len(acc) != 1 {
			f = headerFailure(acc)
		}
		return fail(f, "Sec-WebSocket-Accept", "the response must have one Sec-WebSocket-Accept header field "+quote(AcceptKey(h.Key))+", got "+quoteFields(acc))
	}
	return h.agree(resp.Header)
}

// agree checks the subprotocol and extensions a server's answer selected
// (§4.1 items 5 and 6, RFC 7692 §7.1) against what was offered, for Check
// and CheckConnect alike.
func (h *ClientHandshake) agree(header textproto.MIMEHeader) (*Agreement, error) {
	fail := func(f Failure, field, msg string) (*Agreement, error) {
		return nil, handshakeError(0, "handshake: "+msg).because(f, field)
	}
	ag := &Agreement{}
	// §4.1 item 6: at most one subprotocol, one that we offered.
	if ps, ok := header[hProtocol]; ok {
		switch {
		case len(h.Subprotocols) == 0:
			return fail(FailSubprotocol, "Sec-WebSocket-Protocol", "the server selected subprotocol "+quoteFields(ps)+" but none was offered")
		case len(ps) != 1 || strings.IndexByte(ps[0], ',') >= 0:
			return fail(headerFailure(ps), "Sec-WebSocket-Protocol", "the server must select one subprotocol, got "+quoteFields(ps))
		}
		for _, p := range h.Subprotocols {
			if p == ps[0] {
				ag.Subprotocol = p
			}
		}
		if ag.Subprotocol == "" {
			return fail(FailSubprotocol, "Sec-WebSocket-Protocol", "the server selected subprotocol "+quote(ps[0])+", which was not offered")
		}
	}
	// §4.1 item 5 and §9.1: only offered extensions, each once.
	exts, err := ParseExtensions(header[hExtensions]...)
	if err != nil {
		return nil, err
	}
	app, _ := h.appExtensions() // Request checked them
	for i, e := range exts {
		for _, prev := range exts[:i] {
			if prev.Name == e.Name {
				return nil, &Error{Code: CodeExtension, Failure: FailExtension, Field: "Sec-WebSocket-Extensions", Msg: "handshake: the server accepted extension " + quote(e.Name) + " twice"}
			}
		}
		switch {
		case e.Name == deflateName && h.Deflate != nil:
			p, err := AcceptDeflateResponse(h.Deflate, e)
			if err != nil {
				return nil, err
			}
			ag.Deflate = &p
		case !offered(app, e.Name):
			return nil, &Error{Code: CodeExtension, Failure: FailExtension, Field: "Sec-WebSocket-Extensions", Msg: "handshake: the server accepted extension " + quote(e.Name) + ", which was not offered"}
		}
	}
	ag.Extensions = exts
	return ag, nil
}

// offered reports whether exts contains an extension named name.
func offered(exts []Extension, name string) bool {
	for _, e := range exts {
		if e.Name == name {
			return true
		}
	}
	return false
}
