package wsnet

import (
	"errors"
	"fmt"
	"net"

	"github.com/libws/libws/ws"
)

// ErrConcurrentWrite is returned by WriteMessage and Writer when another
// data write is in progress on the same connection. Control writes (Ping,
// Close, the keepalive) may run alongside a data write.
var ErrConcurrentWrite = errors.New("wsnet: concurrent write to a connection")

// ErrConcurrentRead is returned by ReadMessage when another read is in
// progress on the same connection.
var ErrConcurrentRead = errors.New("wsnet: concurrent read from a connection")

// CloseError is how a read reports the end of the connection: the close
// frame the peer sent (Code and Reason as received, 1005 when it had no
// code), a failure we detected (Local, with the code we sent: 1002, 1007,
// 1008, 1009, 1010, 1011, and Err the *ws.Error that caused it), or a
// transport that ended without a close frame (1006, Local).
type CloseError struct {
	Code   ws.CloseCode
	Reason string
	// Local is true when this side ended the connection: a protocol
	// failure of the peer, an unanswered keepalive, or a lost transport.
	Local bool
	// Err is the cause of a local failure, or nil.
	Err error
}

// Error describes the close: who ended it, the code and the reason.
func (e *CloseError) Error() string {
	who := "peer closed"
	if e.Local {
		who = "connection failed"
	}
	if e.Reason == "" {
		return fmt.Sprintf("wsnet: %s: %d", who, e.Code)
	}
	return fmt.Sprintf("wsnet: %s: %d %s", who, e.Code, e.Reason)
}

// Unwrap returns the cause of a local failure (a *ws.Error), or nil.
func (e *CloseError) Unwrap() error { return e.Err }

// closedError is returned once this side closed the connection (Close,
// CloseNow, or a completed close handshake); errors.Is(err, net.ErrClosed)
// is true.
func closedError(why string) error {
	return fmt.Errorf("wsnet: %s: %w", why, net.ErrClosed)
}

// wrap adds the package prefix to a ws or transport error, keeping it
// visible to errors.Is and errors.As. A ws CodeClosed error also matches
// net.ErrClosed.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ws.ErrClosed) && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("wsnet: %s: %w (%w)", op, err, net.ErrClosed)
	}
	return fmt.Errorf("wsnet: %s: %w", op, err)
}
