package ws

import "strconv"

// CloseCode is a WebSocket close status code (RFC 6455 §7.4).
type CloseCode uint16

// Close codes from RFC 6455 §7.4.1 and the IANA registry.
const (
	CloseNormal             CloseCode = 1000
	CloseGoingAway          CloseCode = 1001
	CloseProtocolError      CloseCode = 1002
	CloseUnsupportedData    CloseCode = 1003
	CloseNoStatus           CloseCode = 1005 // never sent: "no code in the close frame"
	CloseAbnormal           CloseCode = 1006 // never sent: "closed without a close frame"
	CloseInvalidPayload     CloseCode = 1007
	ClosePolicyViolation    CloseCode = 1008
	CloseMessageTooBig      CloseCode = 1009
	CloseMandatoryExtension CloseCode = 1010
	CloseInternalError      CloseCode = 1011
	CloseServiceRestart     CloseCode = 1012
	CloseTryAgainLater      CloseCode = 1013
	CloseBadGateway         CloseCode = 1014
	CloseTLSHandshake       CloseCode = 1015 // never sent
)

// Valid reports whether c may appear in a close frame on the wire: 1000-1003,
// 1007-1014 (registered), or 3000-4999 (libraries and applications). 1004,
// 1005, 1006 and 1015 are reserved and must never be sent (§7.4.1), and a
// received frame carrying any code outside these ranges is a protocol error.
func (c CloseCode) Valid() bool {
	switch {
	case c >= 1000 && c <= 1003:
		return true
	case c >= 1007 && c <= 1014:
		return true
	case c >= 3000 && c <= 4999:
		return true
	}
	return false
}

var closeCodeNames = map[CloseCode]string{
	CloseNormal:             "SUCCESS",
	CloseGoingAway:          "ENDPOINT_UNAVAILABLE",
	CloseProtocolError:      "PROTOCOL_ERROR",
	CloseUnsupportedData:    "INVALID_DATA_TYPE",
	CloseInvalidPayload:     "INVALID_PAYLOAD",
	ClosePolicyViolation:    "POLICY_VIOLATION",
	CloseMessageTooBig:      "MESSAGE_TOO_BIG",
	CloseMandatoryExtension: "UNSUPPORTED_EXTENSIONS",
	CloseInternalError:      "INTERNAL_ERROR",
	CloseServiceRestart:     "SERVICE_RESTART",
	CloseTryAgainLater:      "TRY_AGAIN_LATER",
	CloseBadGateway:         "BAD_GATEWAY",
}

// String returns the code as a decimal number.
func (c CloseCode) String() string { return strconv.Itoa(int(c)) }

// Name returns the status name Net::WebSocket::Constants uses for c (e.g.
// "SUCCESS", "PROTOCOL_ERROR"), or "" for codes without one.
func (c CloseCode) Name() string { return closeCodeNames[c] }

// CloseCodeByName maps a Net::WebSocket status name to its code. It also
// accepts SERVER_ERROR, the original's alias for INTERNAL_ERROR.
func CloseCodeByName(name string) (CloseCode, bool) {
	if name == "SERVER_ERROR" {
		return CloseInternalError, true
	}
	for c, n := range closeCodeNames {
		if n == name {
			return c, true
		}
	}
	return 0, false
}
