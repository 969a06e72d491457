package ws

// Validators for values a host supplies, exported so that the C API and the
// bindings reject bad configuration when it is set, with the same rules the
// handshake applies when it is used.

// CheckToken returns an error unless s is an HTTP token (RFC 7230 §3.2.6),
// as subprotocol names must be (RFC 6455 §4.1).
func CheckToken(s string) error {
	if !isToken(s) {
		return newError(CodeArg, "handshake: "+quote(s)+" is not an HTTP token")
	}
	return nil
}

// CheckHeaders returns an error unless pairs may be added to the opening
// handshake of role: names are tokens, values have no CR, LF or other
// control characters, and none is a field the handshake sets itself.
func CheckHeaders(role Role, pairs [][2]string) error {
	if role == RoleClient {
		return checkExtraHeaders(pairs, reservedClientHeader)
	}
	return checkExtraHeaders(pairs, reservedHeader)
}

// CheckHeaderValue returns an error if s cannot be sent as a header value.
func CheckHeaderValue(s string) error {
	if !validFieldValue(s) {
		return newError(CodeArg, "handshake: header value "+quote(s)+" has a control character (CR, LF, NUL...)")
	}
	return nil
}

// CheckKey returns an error unless s is a valid Sec-WebSocket-Key: base64
// of 16 bytes (RFC 6455 §4.1).
func CheckKey(s string) error {
	if !validKey(s) {
		return newError(CodeArg, "handshake: Sec-WebSocket-Key must be base64 of 16 bytes, got "+quote(s))
	}
	return nil
}
