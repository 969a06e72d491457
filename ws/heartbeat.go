package ws

import (
	"encoding/binary"
	"strconv"
)

// Heartbeat is the host's idle timer calling in (the original's
// check_heartbeat). If MaxPings pings sent by Heartbeat are unanswered, it
// fails the connection with 1008 "Unanswered ping(s): N" — queuing one close
// frame and reporting an EventClose — and returns nil; otherwise it queues a
// ping with a payload no other ping carries. A pong echoing any of the
// outstanding pings answers them all.
//
// Once the connection is closing or closed it sends nothing and returns
// CodeClosed, so calling it again never sends a second close.
//
// Being called means the connection is idle, so it also releases buffer
// memory that is not in use (see Shrink); event payloads returned earlier
// become invalid.
func (c *Conn) Heartbeat() error {
	if err := c.checkSend(); err != nil {
		return err
	}
	if c.closeRecv {
		// The peer is closing: no pings, and no second close.
		return newError(CodeClosed, "the peer has closed the connection")
	}
	c.Shrink()
	if c.hbOut >= c.lim.maxPings {
		c.failNow(&Error{Code: CodeProtocol, CloseCode: ClosePolicyViolation, Msg: "Unanswered ping(s): " + strconv.Itoa(c.hbOut)})
		return nil
	}
	var p [8]byte
	binary.BigEndian.PutUint64(p[:], c.hbNext)
	c.hbNext++
	c.hbOut++
	c.writeControl(OpPing, 0, p[:])
	return nil
}

// UnansweredPings returns how many heartbeat pings await a pong.
func (c *Conn) UnansweredPings() int { return c.hbOut }

// checkHeartbeatPong clears the count when a pong answers a heartbeat ping.
func (c *Conn) checkHeartbeatPong(p []byte) {
	if c.hbOut == 0 || len(p) != 8 {
		return
	}
	v := binary.BigEndian.Uint64(p)
	if v < c.hbNext && v >= c.hbNext-uint64(c.hbOut) {
		c.hbOut = 0
	}
}
