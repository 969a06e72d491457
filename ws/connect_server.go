package ws

import (
	"strconv"
	"strings"
)

// requestPseudo are the pseudo-header fields of a request (RFC 9113
// §8.3.1) with :protocol (RFC 8441 §4).
var requestPseudo = []string{pMethod, pScheme, pAuthority, pPath, pProtocol}

// RequestFromConnect validates a WebSocket opening over HTTP/2 (RFC 8441)
// or HTTP/3 (RFC 9220): the decoded field list of an extended CONNECT,
// pseudo-header fields first, as the host's HTTP library gives it. proto
// is ProtoHTTP2 or ProtoHTTP3.
//
// The request must be :method CONNECT with :protocol websocket, :scheme
// http or https, :path and :authority (RFC 8441 §4, §5), one
// sec-websocket-version 13, and valid Origin, subprotocol and extension
// offers as over HTTP/1.1. There is no key (RFC 8441 §5): Request.Key is
// empty, and sec-websocket-key, if sent, is ignored. Field names must be
// lower case and connection-specific fields are refused (RFC 9113 §8.2).
//
// Failures are *Error with Code CodeHandshake, a Failure, the field in
// question, and Status: 400 for a malformed or wrong request (a host may
// instead reset the stream with PROTOCOL_ERROR, as RFC 9113 §8.1.1 allows),
// 501 for a :protocol other than websocket (RFC 9220 §3), and 426 for the
// version (RejectConnect sends it as 400 with sec-websocket-version: 13).
// Answer with RejectConnect(err.Status, ...), or accept with AcceptConnect.
func RequestFromConnect(proto string, fields [][2]string) (*Request, error) {
	if proto != ProtoHTTP2 && proto != ProtoHTTP3 {
		return nil, newError(CodeArg, "handshake: RequestFromConnect takes \"HTTP/2\" or \"HTTP/3\", got "+quote(proto))
	}
	fl, err := parseFieldList(fields, requestPseudo, 400)
	if err != nil {
		return nil, err
	}
	ps := fl.pseudo
	fail := func(status int, f Failure, field, msg string) (*Request, error) {
		return nil, handshakeError(status, "handshake: "+msg).because(f, field)
	}
	// RFC 8441 §4: an extended CONNECT carries :protocol.
	if m := ps[pMethod]; m != "CONNECT" {
		return fail(400, FailMethod, pMethod, "a WebSocket over "+proto+" opens with an extended CONNECT (RFC 8441 §4), got :method "+quote(m))
	}
	p, ok := ps[pProtocol]
	if !ok {
		return fail(400, FailMethod, pProtocol, "a CONNECT without :protocol tunnels TCP (RFC 9113 §8.5); a WebSocket needs :protocol websocket (RFC 8441 §4)")
	}
	// RFC 8441 §5: "MUST be websocket"; RFC 9220 §3: 501 for others.
	if p != "websocket" {
		return fail(501, FailBadHeader, pProtocol, ":protocol "+quote(p)+" is not supported; only \"websocket\" is (RFC 8441 §5)")
	}
	// RFC 8441 §4: :scheme and :path MUST be included; :authority too (§5).
	for _, name := range []string{pScheme, pPath, pAuthority} {
		if _, ok := ps[name]; !ok {
			return fail(400, FailMissingHeader, name, "the extended CONNECT has no "+name+" (RFC 8441 §4, §5)")
		}
	}
	// RFC 8441 §5: "https" for wss URIs, "http" for ws URIs.
	if s := ps[pScheme]; s != "https" && s != "http" {
		return fail(400, FailBadHeader, pScheme, ":scheme must be \"https\" or \"http\" (RFC 8441 §5), got "+quote(s))
	}
	// RFC 8441 §5: the path and query of the URI; RFC 9113 §8.3.1: it
	// starts with "/"; RFC 6455 §3: no fragment.
	path := ps[pPath]
	if !strings.HasPrefix(path, "/") || !isVisible(path) || strings.IndexByte(path, '#') >= 0 {
		return fail(400, FailTarget, pPath, ":path must be \"/\" or a path and query without a fragment (RFC 8441 §5), got "+quote(path))
	}
	// RFC 9113 §8.3.1: host[:port], no userinfo.
	authority := ps[pAuthority]
	if !validHost(authority) || strings.IndexByte(authority, '@') >= 0 {
		return fail(400, FailBadHeader, pAuthority, ":authority must be host[:port] (RFC 9113 §8.3.1), got "+quote(authority))
	}
	// RFC 9113 §8.3.1: a Host that differs from :authority is malformed.
	if hosts := fl.header[hHost]; len(hosts) > 1 || len(hosts) == 1 && !strings.EqualFold(hosts[0], authority) {
		return fail(400, FailBadHeader, "host", "the host field "+quoteFields(hosts)+" differs from :authority "+quote(authority)+" (RFC 9113 §8.3.1)")
	}
	// RFC 8441 §5 keeps Sec-WebSocket-Version as RFC 6455 §4.2.1 item 6.
	if v := fl.header[hVersion]; len(v) != 1 || v[0] != "13" {
		return fail(426, FailVersion, "sec-websocket-version", "sec-websocket-version must be exactly one field \"13\", got "+quoteFields(v))
	}
	protocols, exts, err := requestOffers(fl.header)
	if err != nil {
		return nil, err
	}
	return &Request{
		Method:       "CONNECT",
		Target:       path,
		Proto:        proto,
		Scheme:       ps[pScheme],
		Host:         authority,
		Header:       fl.header,
		Fields:       fl.fields,
		Origin:       fl.header.Get(hOrigin),
		Subprotocols: protocols,
		Extensions:   exts,
	}, nil
}

// AcceptConnect answers a request that RequestFromConnect validated: the
// response field list (RFC 8441 §5: :status 200, then
// sec-websocket-protocol and sec-websocket-extensions when agreed, then
// the extra fields, names lower-cased) and the agreement, for NewConn.
// Send the list as the stream's HEADERS without ending the stream. The
// subprotocol and extension choice, configuration and options are those of
// Accept; invalid ones are CodeArg errors, as are extra fields that
// HTTP/2 forbids.
func (h *ServerHandshake) AcceptConnect(req *Request, opts *AcceptOptions) ([][2]string, *Agreement, error) {
	if req == nil || req.Method != "CONNECT" {
		return nil, nil, newError(CodeArg, "handshake: AcceptConnect needs a request from RequestFromConnect")
	}
	ag, opts, err := h.agree(req, opts)
	if err != nil {
		return nil, nil, err
	}
	// RFC 8441 §5: "it MUST respond with a 200 (OK) status code".
	list := [][2]string{{pStatus, "200"}}
	if ag.Subprotocol != "" {
		list = append(list, [2]string{"sec-websocket-protocol", ag.Subprotocol})
	}
	if len(ag.Extensions) > 0 {
		list = append(list, [2]string{"sec-websocket-extensions", FormatExtensions(ag.Extensions)})
	}
	if list, err = connectExtraFields(list, h.Header); err != nil {
		return nil, nil, err
	}
	if list, err = connectExtraFields(list, opts.Header); err != nil {
		return nil, nil, err
	}
	return list, ag, nil
}

// RejectConnect returns the response field list refusing an extended
// CONNECT: :status, content-type text/plain; charset=utf-8 and
// content-length for msg, then the extra fields. Send msg as the stream's
// DATA and end the stream. 426 cannot be sent over HTTP/2 or HTTP/3 (it
// needs an Upgrade field, which they forbid), so it is sent as 400 with
// sec-websocket-version: 13, what RFC 6455 §4.4 asks a server to tell.
// A status outside 400..599 is sent as 500. Extra fields that are invalid,
// pseudo-header or connection-specific, and content-length, are left out;
// an extra content-type replaces the default one.
func RejectConnect(status int, msg string, header [][2]string) [][2]string {
	version := status == 426
	if version {
		status = 400
	}
	if status < 400 || status > 599 {
		status = 500
	}
	contentType := "text/plain; charset=utf-8"
	var extra [][2]string
	for _, p := range header {
		name := strings.ToLower(p[0])
		if !isToken(name) || !validConnectValue(p[1]) {
			continue
		}
		switch name {
		case "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade", "te", "content-length":
			continue
		case "content-type":
			contentType = p[1]
			continue
		case "sec-websocket-version":
			if version {
				continue
			}
		}
		extra = append(extra, [2]string{name, p[1]})
	}
	list := [][2]string{{pStatus, strconv.Itoa(status)}, {"content-type", contentType}, {"content-length", strconv.Itoa(len(msg))}}
	if version {
		list = append(list, [2]string{"sec-websocket-version", "13"})
	}
	return append(list, extra...)
}
