package ws

import (
	"encoding/binary"
	"io"
	"math/bits"
	"strconv"
)

// SendFlags adjust how one message is sent. Values are part of the C ABI.
type SendFlags uint8

const (
	// NoCompress sends the message uncompressed even when permessage-deflate
	// is in use (for data already compressed, or secrets next to
	// attacker-controlled data in one context: see RFC 7692 §8).
	NoCompress SendFlags = 1
	// Compress compresses the message even if it is shorter than
	// DeflateConfig.MinSize (no effect without permessage-deflate).
	Compress SendFlags = 2
)

// SendText queues a text message. p must be valid UTF-8 (RFC 6455 §5.6)
// unless SkipUTF8Validation is set.
func (c *Conn) SendText(p []byte) error { return c.SendMessage(OpText, p, 0) }

// SendBinary queues a binary message.
func (c *Conn) SendBinary(p []byte) error { return c.SendMessage(OpBinary, p, 0) }

// SendMessage queues a whole message in one frame: OpText, OpBinary, or a
// data opcode claimed with Config.AllowOpcodes. With permessage-deflate it
// is compressed unless flags say otherwise or it is shorter than MinSize.
// p is copied (and masked, on a client) into the output; it is never
// modified. Fails with CodeOutputFull, queuing nothing, when the output
// would exceed MaxOutput.
func (c *Conn) SendMessage(op Opcode, p []byte, flags SendFlags) error {
	if err := c.checkDataSend(op); err != nil {
		return err
	}
	if c.send.active {
		return newError(CodeState, "a fragmented message is being sent; finish it with SendFragment(final=true) first")
	}
	// §5.6: text is UTF-8. Checked here, or by putFrame as it copies p.
	text := op == OpText && !c.skipUTF8
	if err := c.checkRoom(len(p)); err != nil {
		if text && !ValidUTF8(p) {
			return errSendUTF8()
		}
		return err
	}
	if c.compresses(op, len(p), flags) {
		if text && !ValidUTF8(p) {
			return errSendUTF8()
		}
		c.defl.begin()
		err := c.writeCompressed(op, RSV1|c.send.rsv, true, p)
		c.defl.end()
		return err
	}
	switch c.putFrame(op, c.send.rsv, true, p, text) {
	case frameNoMem:
		return errSendNoMem()
	case frameBadUTF8:
		return errSendUTF8()
	}
	return nil
}

func errSendUTF8() error  { return newError(CodeArg, "text message is not valid UTF-8") }
func errSendNoMem() error { return newError(CodeNoMem, "out of memory queuing output") }

// compresses decides whether a message of n bytes is compressed.
func (c *Conn) compresses(op Opcode, n int, flags SendFlags) bool {
	if c.defl == nil || flags&NoCompress != 0 || (op != OpText && op != OpBinary) {
		return false
	}
	return flags&Compress != 0 || n >= c.defl.minSize
}

// BeginMessage starts a message that is sent in fragments of any size with
// SendFragment (RFC 6455 §5.4). Control frames (Ping, Pong, Close) may be
// sent between fragments; other messages may not. With permessage-deflate
// the message is compressed unless flags has NoCompress; RSV1 is set on
// its first frame only (RFC 7692 §6.1).
func (c *Conn) BeginMessage(op Opcode, flags SendFlags) error {
	if err := c.checkDataSend(op); err != nil {
		return err
	}
	if c.send.active {
		return newError(CodeState, "a fragmented message is already being sent")
	}
	c.send = sendMessage{active: true, op: op, first: true, compress: c.compresses(op, 1<<30, flags)}
	if c.send.compress {
		c.defl.begin()
	}
	return nil
}

// SendFragment queues the next fragment of the message begun with
// BeginMessage; final ends the message. An empty fragment is allowed.
// For text, the concatenated fragments must be valid UTF-8; a fragment may
// end inside a character.
func (c *Conn) SendFragment(p []byte, final bool) error {
	if err := c.checkSend(); err != nil {
		return err
	}
	if !c.send.active {
		return newError(CodeState, "no fragmented message in progress; call BeginMessage first")
	}
	s := &c.send
	if s.op == OpText && !c.skipUTF8 {
		u := s.utf8
		if u.feed(p) >= 0 {
			return newError(CodeArg, "text fragment is not valid UTF-8")
		}
		if final && !u.complete() {
			return newError(CodeArg, "text message ends inside a UTF-8 sequence")
		}
		s.utf8 = u
	}
	if err := c.checkRoom(len(p)); err != nil {
		return err
	}
	op, rsv := OpContinuation, uint8(0)
	if s.first {
		op = s.op
		if s.compress {
			rsv = RSV1
		}
	}
	if s.compress {
		if err := c.writeCompressed(op, rsv|c.send.rsv, final, p); err != nil {
			return err
		}
	} else if err := c.writeData(op, rsv, final, p); err != nil {
		return err
	}
	s.first = false
	if final {
		c.endSend()
	}
	return nil
}

// endSend finishes (or abandons) a fragmented send.
func (c *Conn) endSend() {
	if c.send.compress {
		c.defl.end()
	}
	c.send = sendMessage{}
}

// SendFrame queues one raw frame, for application extensions that claimed
// opcodes or RSV bits (Config.AllowOpcodes, Config.AllowRSV). rsv may hold
// only claimed bits. Data frames follow the fragmentation rules together
// with BeginMessage/SendFragment: a non-final data frame starts a message
// that continuation frames end. Control frames must be final and carry at
// most 125 bytes; use Close for close frames. Nothing is compressed.
func (c *Conn) SendFrame(op Opcode, rsv uint8, fin bool, p []byte) error {
	if rsv&^c.allowRSV != 0 {
		return newError(CodeArg, "RSV bits "+rsvString(rsv&^c.allowRSV)+" are not claimed by Config.AllowRSV")
	}
	if op > 0xF || (op.IsReserved() && c.allowOpcodes&(1<<op) == 0) {
		return newError(CodeArg, "opcode "+strconv.Itoa(int(op))+" is reserved and not claimed by Config.AllowOpcodes")
	}
	if op.IsControl() {
		if op == OpClose {
			return newError(CodeArg, "use Close to send a close frame")
		}
		if err := c.checkControl(p, fin); err != nil {
			return err
		}
		c.writeControl(op, rsv, p)
		return nil
	}
	if op == OpContinuation {
		if !c.send.active || c.send.compress {
			return newError(CodeState, "continuation frame without an uncompressed fragmented message in progress")
		}
		if err := c.SendFragmentRSV(p, fin, rsv); err != nil {
			return err
		}
		return nil
	}
	if err := c.BeginMessage(op, NoCompress); err != nil {
		return err
	}
	if err := c.SendFragmentRSV(p, fin, rsv); err != nil {
		c.endSend()
		return err
	}
	return nil
}

// SendFragmentRSV is SendFragment for an uncompressed message with
// application-claimed RSV bits on this frame.
func (c *Conn) SendFragmentRSV(p []byte, final bool, rsv uint8) error {
	if rsv == 0 {
		return c.SendFragment(p, final)
	}
	if rsv&^c.allowRSV != 0 {
		return newError(CodeArg, "RSV bits "+rsvString(rsv&^c.allowRSV)+" are not claimed by Config.AllowRSV")
	}
	if c.send.compress {
		return newError(CodeState, "RSV bits cannot be set by hand on a compressed message")
	}
	// Reuse SendFragment's checks with the RSV bits carried through.
	c.send.rsv = rsv
	err := c.SendFragment(p, final)
	c.send.rsv = 0
	return err
}

// Ping queues a ping with payload p (at most 125 bytes).
func (c *Conn) Ping(p []byte) error {
	if err := c.checkControl(p, true); err != nil {
		return err
	}
	c.writeControl(OpPing, 0, p)
	return nil
}

// Pong queues an unsolicited pong (a unidirectional heartbeat, §5.5.3).
func (c *Conn) Pong(p []byte) error {
	if err := c.checkControl(p, true); err != nil {
		return err
	}
	c.writeControl(OpPong, 0, p)
	return nil
}

// Close starts the closing handshake (§7.1.2) with a status code and a
// reason of at most 123 bytes of UTF-8. Code 0 sends a close frame with no
// status (the peer sees 1005). The connection then waits for the peer's
// close frame (StateClosing); data may still arrive and is reported. Only
// one close frame is ever sent: calling Close again fails with CodeClosed.
//
// When the peer closed first, its close is answered automatically as its
// EventClose is taken (echoing the code, without the reason); calling
// Close before taking that event answers with this code and reason instead.
func (c *Conn) Close(code CloseCode, reason []byte) error {
	switch {
	case c.state == StateConnecting:
		return newError(CodeState, "the opening handshake is not complete; close the transport instead")
	case c.closeSent || c.state == StateClosed:
		return newError(CodeClosed, "a close frame was already sent")
	}
	var p [125]byte
	n := 0
	if code == 0 {
		if len(reason) > 0 {
			return newError(CodeArg, "a close reason needs a close code")
		}
	} else {
		if !code.Valid() {
			return newError(CodeArg, "close code "+strconv.Itoa(int(code))+" may not be sent (use 1000-1003, 1007-1014 or 3000-4999)")
		}
		if len(reason) > 123 {
			return newError(CodeArg, "close reason is longer than 123 bytes")
		}
		if !ValidUTF8(reason) {
			return newError(CodeArg, "close reason is not valid UTF-8")
		}
		binary.BigEndian.PutUint16(p[:], uint16(code))
		n = 2 + copy(p[2:], reason)
	}
	c.writeClose(p[:n])
	c.state = StateClosing
	if c.closeRecv {
		// The peer's close came first; this is our answer to it.
		c.closeDone()
	}
	return nil
}

// writeClose queues a close frame and ends any fragmented send.
func (c *Conn) writeClose(payload []byte) {
	c.writeControl(OpClose, 0, payload)
	c.closeSent = true
	if c.send.active {
		c.endSend()
	}
}

// checkSend reports whether anything may be sent now.
func (c *Conn) checkSend() error {
	switch {
	case c.state == StateConnecting:
		return newError(CodeState, "the opening handshake is not complete")
	case c.closeSent || c.state == StateClosed:
		return newError(CodeClosed, "the connection is closed for sending")
	}
	return nil
}

// checkDataSend is small enough to inline for the common case; the rest
// is dataSendError's.
func (c *Conn) checkDataSend(op Opcode) error {
	// Text or binary, in StateOpen or StateClosing, no close sent.
	if op-OpText <= OpBinary-OpText && c.state-StateOpen <= StateClosing-StateOpen && !c.closeSent {
		return nil
	}
	return c.dataSendError(op)
}

func (c *Conn) dataSendError(op Opcode) error {
	if err := c.checkSend(); err != nil {
		return err
	}
	switch {
	case op == OpText || op == OpBinary:
		return nil
	case op.IsControl() || op == OpContinuation:
		return newError(CodeArg, "opcode "+op.String()+" is not a data opcode")
	case op > 0xF || c.allowOpcodes&(1<<op) == 0:
		return newError(CodeArg, "opcode "+strconv.Itoa(int(op))+" is reserved and not claimed by Config.AllowOpcodes")
	}
	return nil
}

func (c *Conn) checkControl(p []byte, fin bool) error {
	if err := c.checkSend(); err != nil {
		return err
	}
	if len(p) > 125 {
		return newError(CodeArg, "control frame payload is longer than 125 bytes")
	}
	if !fin {
		return newError(CodeArg, "control frames cannot be fragmented")
	}
	return nil
}

// checkRoom enforces MaxOutput: data sends are refused while the output
// already holds MaxOutput bytes, so that it works as backpressure without
// making messages larger than the cap impossible to send.
func (c *Conn) checkRoom(n int) error {
	if int64(c.tx.n-c.txOff) < c.lim.maxOutput {
		return nil
	}
	return c.roomError()
}

func (c *Conn) roomError() error {
	return newError(CodeOutputFull, "output queue is full ("+strconv.Itoa(c.tx.n-c.txOff)+" bytes pending); write and Consume it first")
}

func (c *Conn) writeData(op Opcode, rsv uint8, fin bool, p []byte) error {
	if !c.writeFrame(op, rsv|c.send.rsv, fin, p) {
		return errSendNoMem()
	}
	return nil
}

// writeControl queues a control frame. Control frames bypass MaxOutput:
// they are small, and pongs and closes are protocol duties.
func (c *Conn) writeControl(op Opcode, rsv uint8, p []byte) {
	if !c.writeFrame(op, rsv, true, p) && c.failure == nil {
		c.failure = &Error{Code: CodeNoMem, CloseCode: CloseInternalError, Msg: "out of memory queuing a control frame"}
	}
}

// writeFrame appends a frame to the output, masking it on a client with a
// fresh key (§5.3), in one pass over p.
func (c *Conn) writeFrame(op Opcode, rsv uint8, fin bool, p []byte) bool {
	return c.putFrame(op, rsv, fin, p, false) == frameOK
}

// putFrame results.
const (
	frameOK = iota
	frameNoMem
	frameBadUTF8
)

// putFrame is writeFrame that, with text set, also checks that p is valid
// UTF-8 (queuing nothing when it is not): on a client, for payloads the
// vector loop masks, in the masking pass itself, which reports whether p
// was all ASCII, so that only other text is validated separately.
//
// The header is written here rather than with putHeader: this runs once per
// message sent, and building a Header to encode cost a third of a small
// message's time.
func (c *Conn) putFrame(op Opcode, rsv uint8, fin bool, p []byte, text bool) int {
	n := len(p)
	hl, l7 := 2, byte(n) // §5.2: the minimal length encoding
	switch {
	case n > 0xFFFF:
		hl, l7 = 10, 127
	case n > 125:
		hl, l7 = 4, 126
	}
	masked := c.role == RoleClient
	if masked {
		hl += 4
	}
	if c.txOff > 0 && c.txOff >= c.tx.n-c.txOff {
		c.tx.drop(c.txOff)
		c.txOff = 0
	}
	dst := c.tx.b[c.tx.n:]
	if len(dst) < hl+n {
		if dst = c.tx.reserve(c.alloc, hl+n); dst == nil {
			return frameNoMem
		}
	} else {
		c.tx.peak = max(c.tx.peak, c.tx.n+hl+n)
	}
	dst = dst[:hl+n]
	b0 := byte(op&0xF) | (rsv&7)<<4
	if fin {
		b0 |= 0x80
	}
	dst[0] = b0
	switch l7 {
	case 126:
		binary.BigEndian.PutUint16(dst[2:4], uint16(n))
	case 127:
		binary.BigEndian.PutUint64(dst[2:10], uint64(n))
	}
	if masked {
		dst[1] = 0x80 | l7
		// §5.3: a fresh, unpredictable key for every frame.
		k := c.masks.word()
		binary.LittleEndian.PutUint32(dst[hl-4:hl], k)
		ascii, checked := false, false
		switch {
		case n >= 8 && n <= 16:
			// Two overlapping words, inline: chat-sized messages are the
			// most common, and a call to mask them cost as much again.
			k64 := uint64(k) * 0x1_0000_0001
			a, z := binary.LittleEndian.Uint64(p), binary.LittleEndian.Uint64(p[n-8:])
			binary.LittleEndian.PutUint64(dst[hl:], a^k64)
			binary.LittleEndian.PutUint64(dst[hl+n-8:], z^bits.RotateLeft64(k64, -8*(n&3)))
			ascii, checked = (a|z)&utf8HiBits == 0, true
		case text:
			ascii, checked = maskCopyASCII(dst[hl:], p, k)
		}
		if !checked {
			if text && !ValidUTF8(p) {
				return frameBadUTF8
			}
			var key [4]byte
			binary.LittleEndian.PutUint32(key[:], k)
			maskCopy(dst[hl:], p, key, 0)
		} else if text && !ascii && !ValidUTF8(p) {
			return frameBadUTF8
		}
	} else {
		if text && !ValidUTF8(p) {
			return frameBadUTF8
		}
		dst[1] = l7
		copy(dst[hl:], p)
	}
	c.tx.n += hl + n
	c.pongRun = 0
	return frameOK
}

// queueRaw appends bytes (an HTTP head) to the output.
func (c *Conn) queueRaw(b []byte) bool {
	dst := c.tx.reserve(c.alloc, len(b))
	if dst == nil {
		return false
	}
	copy(dst, b)
	c.tx.n += len(b)
	c.pongRun = 0
	return true
}

// Output returns the bytes waiting to be written to the transport. The
// slice is a view valid until the next call on the connection; write what
// the transport takes and report it with Consume.
func (c *Conn) Output() []byte { return c.tx.b[c.txOff:c.tx.n:c.tx.n] }

// OutputLen returns the number of bytes waiting to be written.
func (c *Conn) OutputLen() int { return c.tx.n - c.txOff }

// Consume marks the first n bytes of Output as written.
func (c *Conn) Consume(n int) error {
	if n < 0 || n > c.tx.n-c.txOff {
		return newError(CodeArg, "consume count "+strconv.Itoa(n)+" is more than the "+strconv.Itoa(c.tx.n-c.txOff)+" bytes of output")
	}
	c.txOff += n
	c.pongRun = 0 // the pongs at the end may be (partly) written
	if c.txOff == c.tx.n {
		c.tx.n, c.txOff = 0, 0
		if len(c.tx.b) > retainMax { // what trim checks first, without the call
			c.tx.trim(c.alloc)
		}
	}
	return nil
}

// WriteTo writes the pending output to w and consumes what was written.
func (c *Conn) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for c.OutputLen() > 0 {
		n, err := w.Write(c.Output())
		total += int64(n)
		if n > 0 {
			_ = c.Consume(n)
		}
		if err != nil {
			return total, err
		}
		if n == 0 {
			return total, io.ErrShortWrite
		}
	}
	return total, nil
}
