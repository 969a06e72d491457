package ws

import (
	"strconv"
	"strings"
)

// ConnectRequest returns the field list of an extended CONNECT that opens
// h.URL on a new HTTP/2 (RFC 8441 §4, §5) or HTTP/3 (RFC 9220 §3) stream:
// :method CONNECT, :protocol websocket, :scheme (https for wss://, http for
// ws://), :authority, :path, sec-websocket-version 13, then origin,
// sec-websocket-protocol and sec-websocket-extensions when there is
// something to send, and the extra Header fields with their names
// lower-cased. There is no key: Key is not used. Send the list as the
// stream's HEADERS without ending the stream, and only on a connection
// whose server sent SettingEnableConnectProtocol = 1 (RFC 8441 §4).
//
// The fields are checked as by Request; extra fields that HTTP/2 forbids
// (connection-specific ones, RFC 9113 §8.2.2) are CodeArg errors too.
func (h *ClientHandshake) ConnectRequest() ([][2]string, error) {
	u, err := parseWSURL(h.URL)
	if err != nil {
		return nil, err
	}
	offers, err := h.offers(reservedClientHeader)
	if err != nil {
		return nil, err
	}
	scheme := "http"
	if u.secure {
		scheme = "https"
	}
	list := [][2]string{
		{pMethod, "CONNECT"},
		{pProtocol, "websocket"},
		{pScheme, scheme},
		{pAuthority, u.host},
		{pPath, u.target},
		{"sec-websocket-version", "13"},
	}
	if h.Origin != "" {
		list = append(list, [2]string{"origin", h.Origin})
	}
	if len(h.Subprotocols) > 0 {
		list = append(list, [2]string{"sec-websocket-protocol", strings.Join(h.Subprotocols, ", ")})
	}
	if len(offers) > 0 {
		list = append(list, [2]string{"sec-websocket-extensions", FormatExtensions(offers)})
	}
	return connectExtraFields(list, h.Header)
}

// CheckConnect validates the response field list to ConnectRequest's
// request, :status first, as the host's HTTP library decoded it, and
// returns what was agreed, for NewConn. The status must be 200 and nothing
// else (RFC 8441 §5); the subprotocol and extensions are checked as Check
// does (RFC 6455 §4.1, RFC 7692 §7.1), and the fields as HTTP/2 requires
// (RFC 9113 §8.2, §8.3). Another status is an *Error with Code
// CodeHandshake, FailStatus and Status set; a malformed list has
// FailMalformed and Status 0.
func (h *ClientHandshake) CheckConnect(fields [][2]string) (*Agreement, error) {
	resp, err := parseConnectResponse(fields)
	if err != nil {
		return nil, err
	}
	return h.checkConnect(resp)
}

// parseConnectResponse checks a response field list as RFC 9113 §8.2 and
// §8.3 require and returns it as a Response (Proto ""); failures are
// FailMalformed with Status 0.
func parseConnectResponse(fields [][2]string) (*Response, error) {
	fl, err := parseFieldList(fields, []string{pStatus}, 0)
	if err != nil {
		return nil, err
	}
	st, ok := fl.pseudo[pStatus]
	if !ok {
		return nil, handshakeError(0, "handshake: the response has no :status (RFC 9113 §8.3.2)").because(FailMalformed, pStatus)
	}
	status, ok := parseStatus(st)
	if !ok {
		return nil, handshakeError(0, "handshake: the response's :status "+quote(st)+" is not a three-digit status").because(FailMalformed, pStatus)
	}
	return &Response{Status: status, Header: fl.header, Fields: fl.fields}, nil
}

// checkConnect applies RFC 8441 §5 and the offers' checks to a response.
func (h *ClientHandshake) checkConnect(resp *Response) (*Agreement, error) {
	// RFC 8441 §5: the server agrees with 200; any other status refuses.
	if resp.Status != 200 {
		return nil, handshakeError(resp.Status, "handshake: the server answered "+strconv.Itoa(resp.Status)+", not 200 (RFC 8441 §5)").because(FailStatus, "")
	}
	return h.agree(resp.Header)
}
