package ws

import "strconv"

// Code is a stable numeric error code. The values are part of the C ABI
// (include/ws.h uses the same numbers as WS_E_*), so they never change
// meaning and are never reused. Codes are negative and grouped by class in
// ranges of ten; Class reports the group.
type Code int

// Error codes. Keep in step with include/ws.h.
const (
	// Would-block class: nothing is wrong, try again later.
	CodeNeedMore   Code = -1 // more input is needed before anything can be returned
	CodeOutputFull Code = -2 // the output queue is at its cap; drain it first

	// State class: the call is not valid in the connection's current state.
	CodeState  Code = -10 // wrong state for this call (e.g. send before the handshake)
	CodeClosed Code = -11 // the connection is closed (or closing) for this direction

	// Argument class: the caller passed something invalid.
	CodeArg  Code = -20 // invalid argument (bad value, bad option, bad UTF-8 in text)
	CodeNull Code = -21 // a required pointer was NULL (C API)

	// Limit class: a configured limit was exceeded.
	CodeLimit  Code = -30 // a limit (frame, message, header, output) was exceeded
	CodeTooBig Code = -31 // a message or frame is larger than the limit allows
	CodeNoMem  Code = -32 // memory could not be allocated

	// Protocol class: the peer (or the data) broke RFC 6455 / RFC 7692.
	CodeProtocol  Code = -40 // protocol violation by the peer
	CodeUTF8      Code = -41 // invalid UTF-8 in a text message or close reason
	CodeHandshake Code = -42 // the opening handshake failed
	CodeExtension Code = -43 // extension negotiation failed or an extension misbehaved

	// Handle class (C API only).
	CodeBadHandle Code = -50 // the handle is not a live libws object
	CodeBusy      Code = -51 // the object is being used by another thread right now

	// Process class (C API only).
	CodeForked Code = -60 // the library was used before fork(); unusable in the child

	// Internal class.
	CodeInternal Code = -70 // a bug in libws (a recovered panic); the object is poisoned
)

// Class returns the class of a code: the code rounded towards zero to a
// multiple of ten, except for the would-block class, which is -1.
func (c Code) Class() Code {
	if c > -10 {
		if c < 0 {
			return CodeNeedMore
		}
		return 0
	}
	return c / 10 * 10
}

var codeNames = map[Code]string{
	CodeNeedMore:   "need more input",
	CodeOutputFull: "output queue full",
	CodeState:      "invalid state for this call",
	CodeClosed:     "connection closed",
	CodeArg:        "invalid argument",
	CodeNull:       "NULL pointer argument",
	CodeLimit:      "limit exceeded",
	CodeTooBig:     "message too big",
	CodeNoMem:      "out of memory",
	CodeProtocol:   "protocol error",
	CodeUTF8:       "invalid UTF-8",
	CodeHandshake:  "handshake failed",
	CodeExtension:  "extension negotiation failed",
	CodeBadHandle:  "bad handle",
	CodeBusy:       "object busy in another thread",
	CodeForked:     "library used across fork()",
	CodeInternal:   "internal error",
}

// Known reports whether c is one of the codes defined here.
func (c Code) Known() bool {
	_, ok := codeNames[c]
	return ok || c == 0
}

// String returns a short, static description of the code.
func (c Code) String() string {
	if c == 0 {
		return "ok"
	}
	if s, ok := codeNames[c]; ok {
		return s
	}
	return "unknown error " + strconv.Itoa(int(c))
}

// Error is the error type returned by this package. Code is the stable
// numeric code; CloseCode is the WebSocket close code that a peer fault maps
// to (1002, 1007, 1009, 1010, 1011), or 0; Status is the HTTP status of a
// handshake rejection (400, 426, 431...), or 0. A failed opening handshake
// also says why in Failure, and which header field in Field, so that
// bindings can map it to their own exception classes without parsing Msg.
type Error struct {
	Code      Code
	CloseCode CloseCode
	Status    int
	Failure   Failure
	Field     string
	Msg       string
}

// Failure classifies a failed opening handshake. Values are part of the C
// ABI (WS_FAIL_*).
type Failure uint8

const (
	FailNone            Failure = 0
	FailMalformed       Failure = 1  // the HTTP head does not parse
	FailMethod          Failure = 2  // the request's method is not GET (over HTTP/2 and 3: not an extended CONNECT)
	FailHTTPVersion     Failure = 3  // not HTTP/1.1 or later
	FailTarget          Failure = 4  // the request-target is not usable
	FailMissingHeader   Failure = 5  // a required header field is absent (Field)
	FailDuplicateHeader Failure = 6  // a header field that must appear once appears more (Field)
	FailBadHeader       Failure = 7  // a header field has an invalid value (Field)
	FailVersion         Failure = 8  // Sec-WebSocket-Version is not 13
	FailStatus          Failure = 9  // the response status is not 101 (Status)
	FailAccept          Failure = 10 // Sec-WebSocket-Accept does not match the key
	FailSubprotocol     Failure = 11 // the server chose a subprotocol that was not offered
	FailExtension       Failure = 12 // an extension was not offered, repeated, or its parameters are invalid
	FailTooLarge        Failure = 13 // the head exceeds the size or header-count limit
	FailClosed          Failure = 14 // the transport ended during the handshake
	FailRequired        Failure = 15 // a required extension was not agreed (DeflateConfig.Required)
)

var failureNames = [...]string{"none", "malformed", "method", "http-version", "target", "missing-header",
	"duplicate-header", "bad-header", "version", "status", "accept", "subprotocol", "extension", "too-large",
	"closed", "required"}

func (f Failure) String() string {
	if int(f) < len(failureNames) {
		return failureNames[f]
	}
	return "unknown"
}

// because sets the classification of a handshake error.
func (e *Error) because(f Failure, field string) *Error {
	e.Failure, e.Field = f, field
	return e
}

// headerFailure classifies a header field that is missing, repeated or
// bad, given its values.
func headerFailure(values []string) Failure {
	switch len(values) {
	case 0:
		return FailMissingHeader
	case 1:
		return FailBadHeader
	}
	return FailDuplicateHeader
}

func (e *Error) Error() string {
	if e.Msg == "" {
		return "ws: " + e.Code.String()
	}
	return "ws: " + e.Msg
}

// Is reports whether target is an *Error with the same Code, so that
// errors.Is(err, ws.ErrProtocol) matches any protocol error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinel errors for errors.Is; their messages are generic.
var (
	ErrNeedMore   = &Error{Code: CodeNeedMore}
	ErrOutputFull = &Error{Code: CodeOutputFull}
	ErrState      = &Error{Code: CodeState}
	ErrClosed     = &Error{Code: CodeClosed}
	ErrArg        = &Error{Code: CodeArg}
	ErrLimit      = &Error{Code: CodeLimit}
	ErrTooBig     = &Error{Code: CodeTooBig}
	ErrProtocol   = &Error{Code: CodeProtocol}
	ErrUTF8       = &Error{Code: CodeUTF8}
	ErrHandshake  = &Error{Code: CodeHandshake}
	ErrExtension  = &Error{Code: CodeExtension}
)

func newError(c Code, msg string) *Error { return &Error{Code: c, Msg: msg} }

// protocolError is a peer fault that fails the connection with close code cc.
func protocolError(cc CloseCode, msg string) *Error {
	code := CodeProtocol
	switch cc {
	case CloseInvalidPayload:
		code = CodeUTF8
	case CloseMessageTooBig:
		code = CodeTooBig
	case CloseMandatoryExtension:
		code = CodeExtension
	case CloseInternalError:
		code = CodeInternal
	}
	return &Error{Code: code, CloseCode: cc, Msg: msg}
}

// handshakeError is a rejected or failed opening handshake with the HTTP
// status a server should answer with (0 on the client side).
func handshakeError(status int, msg string) *Error {
	return &Error{Code: CodeHandshake, Status: status, Msg: msg}
}
