package ws

import (
	"encoding/binary"
	"strconv"
)

// maxControlPayload is the longest payload of a control frame (§5.5).
const maxControlPayload = 125

// hbKeep is how many outstanding host-chosen heartbeat payloads are
// remembered (as hashes, 8 bytes each), whatever MaxPings is.
const hbKeep = 16

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
	if send, err := c.heartbeatDue(); !send {
		return err
	}
	var p [8]byte
	binary.BigEndian.PutUint64(p[:], c.hbNext)
	c.hbNext++
	c.hbOut++
	c.writeControl(OpPing, 0, p[:])
	return nil
}

// HeartbeatWith is Heartbeat with the ping's payload chosen by the host
// (at most 125 bytes; CodeArg otherwise, and nothing is sent), e.g.
// Net::WebSocket's "<time> UTC: ping #N (<hex>)". The host should make
// each payload unique. A pong echoing any of the last 16 outstanding
// payloads, or any ping Heartbeat sent, answers them all.
func (c *Conn) HeartbeatWith(p []byte) error {
	if len(p) > maxControlPayload {
		return newError(CodeArg, "heartbeat payload is longer than 125 bytes")
	}
	if send, err := c.heartbeatDue(); !send {
		return err
	}
	if c.hbSumN == hbKeep {
		copy(c.hbSums[:], c.hbSums[1:])
		c.hbSumN--
	}
	c.hbSums[c.hbSumN] = fnv64(p)
	c.hbSumN++
	c.hbOut++
	c.writeControl(OpPing, 0, p)
	return nil
}

// heartbeatDue does what every heartbeat does before its ping: refuse once
// closing, release idle memory, and fail the connection when MaxPings
// pings are unanswered. send says whether the ping is to go out.
func (c *Conn) heartbeatDue() (send bool, err error) {
	if err := c.checkSend(); err != nil {
		return false, err
	}
	if c.closeRecv {
		// The peer is closing: no pings, and no second close.
		return false, newError(CodeClosed, "the peer has closed the connection")
	}
	c.Shrink()
	if c.hbOut >= c.lim.maxPings {
		c.failNow(&Error{Code: CodeProtocol, CloseCode: ClosePolicyViolation, Msg: "Unanswered ping(s): " + strconv.Itoa(c.hbOut)})
		return false, nil
	}
	return true, nil
}

// UnansweredPings returns how many heartbeat pings await a pong.
func (c *Conn) UnansweredPings() int { return c.hbOut }

// checkHeartbeatPong clears the count when a pong answers a heartbeat ping.
func (c *Conn) checkHeartbeatPong(p []byte) {
	if c.hbOut == 0 {
		return
	}
	if len(p) == 8 {
		v := binary.BigEndian.Uint64(p)
		if v < c.hbNext && v >= c.hbNext-uint64(c.hbOut) {
			c.hbOut, c.hbSumN = 0, 0
			return
		}
	}
	if c.hbSumN > 0 {
		h := fnv64(p)
		for _, s := range c.hbSums[:c.hbSumN] {
			if s == h {
				c.hbOut, c.hbSumN = 0, 0
				return
			}
		}
	}
}

// fnv64 is FNV-1a: a pong is matched to a host's ping payload by hash, so
// that remembering a payload costs 8 bytes.
func fnv64(p []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, b := range p {
		h ^= uint64(b)
		h *= 1099511628211
	}
	return h
}
