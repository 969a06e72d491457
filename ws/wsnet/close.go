package wsnet

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/libws/libws/ws"
)

// onCloseLocked records the close event (whose taking queued our reply,
// if one is due) as the terminal read error.
func (c *Conn) onCloseLocked(ev *ws.Event) {
	reason := string(ev.Data)
	switch ev.Initiator {
	case ws.ClosedByPeer, ws.ClosedByUs:
		c.rerr = &CloseError{Code: ev.Code, Reason: reason}
		c.shook = ev.Initiator == ws.ClosedByUs || c.e.State() == ws.StateClosed
	case ws.ClosedByFailure:
		c.rerr = &CloseError{Code: ev.Code, Reason: reason, Local: true, Err: c.e.Err()}
	default: // ws.ClosedAbnormally
		if c.closed {
			c.rerr = closedError("connection closed")
			break
		}
		cause := c.netErr
		if cause == nil || errors.Is(cause, io.EOF) {
			cause = io.ErrUnexpectedEOF
		}
		c.rerr = &CloseError{Code: ev.Code, Reason: reason, Local: true, Err: cause}
	}
	c.signalCloseLocked()
}

func (c *Conn) signalCloseLocked() {
	select {
	case <-c.closeRecvd:
	default:
		close(c.closeRecvd)
	}
}

// checkHintLocked acts on the transport hint once the output is written:
// the server (or a failing endpoint) closes TCP, a client waits for the
// server to close it (RFC 6455 §7.1.1).
func (c *Conn) checkHintLocked() {
	if c.closed || c.e.OutputLen() > 0 && c.werr == nil || len(c.wlock) > 0 {
		return // a flush is pending or in progress; its end checks again
	}
	switch c.e.Hint() {
	case ws.HintClose:
		c.closeTransportLocked()
	case ws.HintShutdownWrite:
		if c.rerr != nil && !c.eofWait {
			// Nobody reads any more: wait for the server's FIN here.
			c.eofWait = true
			go c.awaitEOF()
		}
	}
}

// awaitEOF reads until the server closes TCP, or the close timeout, then
// closes the transport. Nothing else reads once the close event was taken,
// and CloseNow leaves the transport to it.
func (c *Conn) awaitEOF() {
	c.dmu.Lock()
	c.rdl = time.Now().Add(c.closeTimeout)
	_ = c.nc.SetReadDeadline(c.rdl)
	c.dmu.Unlock()
	var buf [512]byte
	for {
		if _, err := c.nc.Read(buf[:]); err != nil {
			break
		}
	}
	c.mu.Lock()
	c.closeTransportLocked()
	c.mu.Unlock()
}

func (c *Conn) closeTransportLocked() {
	if c.closed {
		return
	}
	c.closed = true
	_ = c.nc.Close()
	close(c.done)
}

// Close runs the closing handshake (RFC 6455 §7.1.2): it sends a close
// frame with code and reason (at most 123 bytes; code 0 sends none, which
// the peer sees as 1005), waits for the peer's close frame, then closes
// the transport — at once on a server, after the server did on a client
// (§7.1.1) — all within Config.CloseTimeout, after which the transport is
// closed anyway.
//
// If no read is in progress, Close reads (and discards data messages)
// until the peer's close frame; if one is, that reader receives the
// peer's close frame as a *CloseError and Close waits for it. It returns
// nil when the handshake completed, or why it did not.
func (c *Conn) Close(code ws.CloseCode, reason string) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.closeTimeout)
	defer cancel()
	c.mu.Lock()
	c.closing = true
	err := c.e.Close(code, []byte(reason))
	closed := c.closed
	c.mu.Unlock()
	switch {
	case err != nil && !errors.Is(err, ws.ErrClosed):
		return wrap("close", err) // a bad code or reason: nothing was sent
	case err != nil && closed:
		return closedError("already closed")
	}
	if err == nil {
		if err := c.send(ctx, "close", nil); err != nil {
			c.mu.Lock()
			c.closeTransportLocked()
			c.mu.Unlock()
			return err
		}
	}
	if c.reading.CompareAndSwap(false, true) {
		for {
			if _, _, _, err := c.next(ctx, nil); err != nil {
				break
			}
		}
		c.reading.Store(false)
	} else {
		select {
		case <-c.closeRecvd:
		case <-c.done:
		case <-ctx.Done():
		}
	}
	select {
	case <-c.done:
	case <-ctx.Done():
	}
	c.mu.Lock()
	shook, rerr := c.shook, c.rerr
	c.closeTransportLocked() // the bound has passed, or the transport is closed
	c.mu.Unlock()
	switch {
	case shook:
		return nil
	case ctx.Err() != nil:
		return wrap("close", ctx.Err())
	case rerr != nil:
		return rerr
	}
	return closedError("closed before the closing handshake completed")
}

// CloseNow closes the transport without a closing handshake. Blocked
// reads, writes and pings return; later calls fail with an error for which
// errors.Is(err, net.ErrClosed) is true. It is safe to call more than once.
//
// On a client whose closing handshake already completed (the peer's close
// frame was read and both close frames are out), CloseNow leaves the
// transport to the wait that RFC 6455 §7.1.1 asks for: it is closed when
// the server closes TCP, or Config.CloseTimeout after the handshake ended,
// whichever is first. So the usual defer c.CloseNow() after a read loop
// does not close TCP before the server.
func (c *Conn) CloseNow() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.eofWait {
		return nil // closed, or awaitEOF closes it within closeTimeout
	}
	c.closeTransportLocked()
	return nil
}
