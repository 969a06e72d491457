package ws

import (
	"net/textproto"
	"strconv"
)

// ServerHandshake answers opening requests (RFC 6455 §4.2.2). Validate a
// request with ParseRequest or RequestFromHeaders, then Accept it or send
// Reject's bytes.
type ServerHandshake struct {
	// Subprotocols are the supported subprotocols. The client's order
	// decides: the first offered one that is supported is selected.
	Subprotocols []string
	// SelectSubprotocol, when set, replaces Subprotocols: it is called
	// with the client's offer (when there is one) and returns "" or one of
	// the offered subprotocols.
	SelectSubprotocol func(offered []string) string
	// Deflate configures permessage-deflate (RFC 7692); nil never accepts
	// it.
	Deflate *DeflateConfig
	// Header holds extra header fields for the 101 response. Fields the
	// handshake sets (Upgrade, Connection, Sec-WebSocket-*, Host) and
	// body-length fields are refused.
	Header [][2]string
}

// AcceptOptions adjust one acceptance.
type AcceptOptions struct {
	// Subprotocol, if not empty, is selected instead of the configured
	// choice; it must be one the client offered.
	Subprotocol string
	// Header holds extra 101 header fields, sent after
	// ServerHandshake.Header.
	Header [][2]string
	// Extensions are Sec-WebSocket-Extensions response values for
	// application extensions the host accepted. Each must parse, name only
	// extensions the client offered, and not repeat an accepted one. They
	// follow permessage-deflate in the response.
	Extensions []string
	// NoDeflate declines permessage-deflate this time.
	NoDeflate bool
}

// Accept returns the complete 101 response for a request that
// ParseRequest or RequestFromHeaders validated, and the agreement it
// makes. Invalid configuration or options are CodeArg errors; nothing
// about the request itself can fail here.
func (h *ServerHandshake) Accept(req *Request, opts *AcceptOptions) ([]byte, *Agreement, error) {
	if req == nil {
		return nil, nil, newError(CodeArg, "handshake: Accept needs a request")
	}
	if !validKey(req.Key) {
		return nil, nil, newError(CodeArg, "handshake: the request's Key "+quote(req.Key)+" is not valid; make requests with ParseRequest or RequestFromHeaders")
	}
	ag, opts, err := h.agree(req, opts)
	if err != nil {
		return nil, nil, err
	}

	// §4.2.2 item 5: the 101 response.
	b := make([]byte, 0, 256)
	b = append(b, "HTTP/1.1 101 Switching Protocols\r\n"...)
	b = appendField(b, "Upgrade", "websocket")
	b = appendField(b, "Connection", "Upgrade")
	b = appendField(b, "Sec-WebSocket-Accept", AcceptKey(req.Key))
	if ag.Subprotocol != "" {
		b = appendField(b, "Sec-WebSocket-Protocol", ag.Subprotocol)
	}
	if len(ag.Extensions) > 0 {
		b = appendField(b, "Sec-WebSocket-Extensions", FormatExtensions(ag.Extensions))
	}
	b = appendFields(b, h.Header)
	b = appendFields(b, opts.Header)
	return append(b, "\r\n"...), ag, nil
}

// agree settles what an accepted request agrees (§4.2.2 item 5.4 and
// RFC 7692 §5): the subprotocol and the extensions, for Accept and
// AcceptConnect alike. It also checks the configuration and the options,
// and returns the options with nil made empty.
func (h *ServerHandshake) agree(req *Request, opts *AcceptOptions) (*Agreement, *AcceptOptions, error) {
	if opts == nil {
		opts = &AcceptOptions{}
	}
	if err := h.check(); err != nil {
		return nil, nil, err
	}
	ag := &Agreement{}
	var err error
	if ag.Subprotocol, err = h.subprotocol(req, opts.Subprotocol); err != nil {
		return nil, nil, err
	}
	if h.Deflate != nil && !opts.NoDeflate {
		if resp, p, ok := NegotiateDeflate(h.Deflate, req.Extensions); ok {
			ag.Deflate = &p
			ag.Extensions = append(ag.Extensions, resp)
		}
	}
	for i, v := range opts.Extensions {
		exts, err := ParseExtensions(v)
		if err != nil {
			return nil, nil, newError(CodeArg, "handshake: AcceptOptions.Extensions["+strconv.Itoa(i)+"] does not parse: "+err.(*Error).Msg)
		}
		for _, e := range exts {
			// RFC 6455 §9.1: the server accepts from the client's offers.
			if !offered(req.Extensions, e.Name) {
				return nil, nil, newError(CodeArg, "handshake: AcceptOptions.Extensions accepts "+quote(e.Name)+", which the client did not offer")
			}
			if offered(ag.Extensions, e.Name) {
				return nil, nil, newError(CodeArg, "handshake: AcceptOptions.Extensions accepts "+quote(e.Name)+" a second time")
			}
			ag.Extensions = append(ag.Extensions, e)
		}
	}
	if err := checkExtraHeaders(opts.Header, reservedHeader); err != nil {
		return nil, nil, err
	}
	return ag, opts, nil
}

// check validates the configuration, so that a connection can refuse a
// bad one before any request arrives. Failures are CodeArg errors.
func (h *ServerHandshake) check() error {
	for _, p := range h.Subprotocols {
		if !isToken(p) {
			return newError(CodeArg, "handshake: supported subprotocol "+quote(p)+" is not a token")
		}
	}
	if h.Deflate != nil {
		if err := h.Deflate.validate(); err != nil {
			return err
		}
	}
	return checkExtraHeaders(h.Header, reservedHeader)
}

// subprotocol selects the subprotocol (§4.2.2 item 5.4: one of the
// client's, or none).
func (h *ServerHandshake) subprotocol(req *Request, forced string) (string, error) {
	chosen := ""
	switch {
	case forced != "":
		chosen = forced
	case len(req.Subprotocols) == 0:
		return "", nil
	case h.SelectSubprotocol != nil:
		chosen = h.SelectSubprotocol(append([]string(nil), req.Subprotocols...))
		if chosen == "" {
			return "", nil
		}
	default:
		for _, p := range req.Subprotocols {
			for _, s := range h.Subprotocols {
				if p == s {
					return p, nil
				}
			}
		}
		return "", nil
	}
	for _, p := range req.Subprotocols {
		// The token check guards a hand-made Request against header
		// injection.
		if p == chosen && isToken(p) {
			return p, nil
		}
	}
	return "", newError(CodeArg, "handshake: subprotocol "+quote(chosen)+" was selected but the client did not offer it")
}

// Reject returns a complete HTTP error response for a failed opening
// handshake: the status line, Content-Type: text/plain; charset=utf-8,
// Content-Length, Connection: close, Sec-WebSocket-Version: 13 when status
// is 426 (RFC 6455 §4.4), the extra header fields, a blank line, and msg as
// the body. Close the connection after sending it.
//
// A status outside 100..999 is sent as 500. Extra fields with invalid
// names or values, and Content-Length, Transfer-Encoding and Connection,
// are left out; an extra Content-Type replaces the default one.
func Reject(status int, msg string, header [][2]string) []byte {
	if status < 100 || status > 999 {
		status = 500
	}
	var extra [][2]string
	contentType := "text/plain; charset=utf-8"
	for _, p := range header {
		if !isToken(p[0]) || !validFieldValue(p[1]) {
			continue
		}
		switch textproto.CanonicalMIMEHeaderKey(p[0]) {
		case "Content-Length", "Transfer-Encoding", "Connection":
			continue
		case "Content-Type":
			contentType = p[1]
			continue
		case hVersion:
			if status == 426 {
				continue
			}
		}
		extra = append(extra, p)
	}
	b := make([]byte, 0, 160+len(msg))
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = append(b, statusText(status)...)
	b = append(b, "\r\n"...)
	b = appendField(b, "Content-Type", contentType)
	b = appendField(b, "Content-Length", strconv.Itoa(len(msg)))
	b = appendField(b, "Connection", "close")
	if status == 426 {
		b = appendField(b, "Sec-WebSocket-Version", "13")
	}
	b = appendFields(b, extra)
	b = append(b, "\r\n"...)
	return append(b, msg...)
}

// statusText returns a reason phrase for the statuses a WebSocket server
// typically sends (RFC 7231 §6.1, RFC 6585); the phrase is informational.
func statusText(status int) string {
	switch status {
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 408:
		return "Request Timeout"
	case 426:
		return "Upgrade Required"
	case 429:
		return "Too Many Requests"
	case 431:
		return "Request Header Fields Too Large"
	case 500:
		return "Internal Server Error"
	case 501:
		return "Not Implemented"
	case 502:
		return "Bad Gateway"
	case 503:
		return "Service Unavailable"
	}
	switch status / 100 {
	case 1:
		return "Informational"
	case 2:
		return "Success"
	case 3:
		return "Redirection"
	case 4:
		return "Client Error"
	}
	return "Server Error"
}
