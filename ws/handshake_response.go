package ws

import (
	"strconv"
	"strings"
)

// ParseResponse parses a complete response head (status line, header
// fields, blank line, nothing after). It checks only the HTTP syntax;
// ClientHandshake.Check judges the answer. Failures are *Error with Code
// CodeHandshake and Status 0; trailing bytes after the head are a CodeArg
// error.
func ParseResponse(head []byte) (*Response, error) {
	resp := &Response{}
	_, h, fields, err := readHead(head, 0, resp.parseStatusLine)
	if err != nil {
		return nil, err
	}
	resp.Header, resp.Fields = h, fields
	return resp, nil
}

// parseStatusLine fills in Proto, Status and Reason from a status line.
func (r *Response) parseStatusLine(line string) error {
	// RFC 7230 §3.1.2: status-line = HTTP-version SP status-code SP reason-phrase
	proto, rest, _ := strings.Cut(line, " ")
	code, reason, _ := strings.Cut(rest, " ") // a missing reason is tolerated
	if !isHTTPVersion(proto) {
		return handshakeError(0, "handshake: malformed status line "+quote(line)+": want \"HTTP/1.1 101 Switching Protocols\"").because(FailMalformed, "")
	}
	status, ok := parseStatus(code)
	if !ok {
		return handshakeError(0, "handshake: malformed status code in status line "+quote(line)).because(FailMalformed, "")
	}
	if !validFieldValue(reason) {
		return handshakeError(0, "handshake: control character in the reason phrase of "+quote(line)).because(FailMalformed, "")
	}
	r.Proto, r.Status, r.Reason = proto, status, reason
	return nil
}

// ResponseFromHeaders builds a Response from a head that the host already
// parsed, with the checks ParseResponse makes. Header names are
// case-insensitive; repeated names are kept in order. Proto is "HTTP/1.1".
func ResponseFromHeaders(status int, reason string, headers [][2]string) (*Response, error) {
	if status < 100 || status > 999 {
		return nil, handshakeError(0, "handshake: HTTP status "+strconv.Itoa(status)+" is not a three-digit code").because(FailMalformed, "")
	}
	if !validFieldValue(reason) {
		return nil, handshakeError(0, "handshake: control character in the reason phrase "+quote(reason)).because(FailMalformed, "")
	}
	h, err := headerFromPairs(headers, 0)
	if err != nil {
		return nil, err
	}
	return &Response{Proto: "HTTP/1.1", Status: status, Reason: reason, Header: h, Fields: trimmedPairs(headers)}, nil
}

// isHTTPVersion reports whether s is "HTTP/" DIGIT "." DIGIT (RFC 7230 §2.6).
func isHTTPVersion(s string) bool {
	return len(s) == 8 && strings.HasPrefix(s, "HTTP/") && isDigit(s[5]) && s[6] == '.' && isDigit(s[7])
}

// parseStatus reads a status-code: exactly three digits (RFC 7230 §3.1.2).
func parseStatus(s string) (int, bool) {
	if len(s) != 3 || !isDigit(s[0]) || !isDigit(s[1]) || !isDigit(s[2]) || s[0] == '0' {
		return 0, false
	}
	return int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0'), true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
