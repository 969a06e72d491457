package ws

import (
	"encoding/binary"
	"math"
	"strconv"
)

// Feed gives the connection bytes read from the transport, in any chunking,
// and returns how many of them it consumed. What can be parsed is parsed at
// once, so peer faults (bad frames, invalid UTF-8) are found at the first
// offending byte; results are queued as events for NextEvent (or
// TakeEvent), and replies (pongs, close echoes) are queued as output. b is
// not modified or kept.
//
// Feed consumes all of b unless the receive budget (Config.MaxQueued)
// fills: once the events queued and not yet taken reach it, Feed stops and
// returns n < len(b). Take the events, then feed b[n:] again. A single
// message may still grow to MaxMessageSize while no event is queued, and
// compressed data is inflated as it arrives, so what a peer can make a
// connection hold is bounded by the limits for any chunking of the input.
// Feeding again while the budget is full and no event was taken consumes
// nothing.
//
// Payloads of events returned before this call become invalid. Peer faults
// are not errors of Feed: they become an EventClose with Initiator
// ClosedByFailure, and our close frame is queued when that event is taken.
// Bytes that arrive after the connection closed or failed are discarded
// (counted as consumed). Feed returns an error only for misuse (after
// FeedEOF).
func (c *Conn) Feed(b []byte) (int, error) {
	if c.eof {
		return 0, newError(CodeState, "feed after end of input")
	}
	c.reclaim()
	if len(c.heldIn) > 0 {
		// Bytes that followed a manually accepted request.
		k := c.feedFrames(c.heldIn)
		if c.heldIn = c.heldIn[k:]; len(c.heldIn) > 0 {
			return 0, nil
		}
		c.heldIn = nil
	}
	if c.state == StateConnecting {
		if c.hs.connect && c.hs.req == nil && len(b) > 0 {
			return 0, newError(CodeState, "an extended CONNECT's stream carries frames only after its HEADERS: give them to FeedConnectResponse first")
		}
		return c.feedHandshake(b), nil
	}
	return c.feedFrames(b), nil
}

// receiving reports whether incoming frames are still processed: until a
// close frame arrived or the connection failed.
func (c *Conn) receiving() bool {
	return !c.closeRecv && c.failure == nil && c.state != StateClosed
}

// feedFrames parses frames from b until b is used up or the receive budget
// is full, and returns how many bytes it used.
func (c *Conn) feedFrames(b []byte) int {
	total := len(b)
	for len(b) > 0 && c.receiving() {
		room := c.room()
		if room <= 0 {
			return total - len(b)
		}
		if p := &c.p; !p.inFrame && p.hn == 0 && p.msgOp == 0 && !c.msg.active {
			if b = b[c.feedWhole(b):]; len(b) == 0 {
				return total
			}
			if room = c.room(); room <= 0 {
				return total - len(b)
			}
		}
		in := b
		if room < len(in) {
			in = in[:room]
		}
		seg, n, err := c.p.Parse(in)
		if err != nil {
			c.fail(err)
			return total
		}
		if seg.Start || len(seg.Data) > 0 || seg.End {
			if seg.Header.Opcode.IsControl() {
				c.onControl(&seg)
			} else {
				n -= c.onData(&seg)
			}
		}
		b = b[n:]
	}
	return total
}

// room returns how many more bytes of events may be queued before Feed
// stops (the receive budget, Config.MaxQueued). While no event is queued
// there is no limit but the message limits: taking events is what frees
// memory, so Feed stops only when there are events to take.
func (c *Conn) room() int {
	if c.evHead == len(c.evq) {
		return maxRoom
	}
	return c.lim.maxQueued - c.held()
}

// maxRoom is room's "no budget" value: large, yet safe to add to (on
// 32-bit systems too).
const maxRoom = math.MaxInt >> 1

// held returns the bytes of received data the connection holds for the
// host: untaken events (with their records) and the message being
// assembled.
func (c *Conn) held() int {
	return c.rx.n - c.rxLive + c.cx.n - c.cxLive + (len(c.evq)-c.evHead)*evRecSize
}

// unmaskInto copies a segment's payload into dst, unmasking it.
func unmaskInto(dst []byte, seg *Segment) {
	if seg.Header.Masked {
		maskCopy(dst, seg.Data, seg.Header.Mask, seg.MaskPos)
	} else {
		copy(dst, seg.Data)
	}
}

// onData takes a data frame's segment; it returns how many bytes at the
// end of seg.Data it left unconsumed (the receive budget filled while
// inflating), which the parser has been told to give back.
func (c *Conn) onData(seg *Segment) int {
	h := &seg.Header
	m := &c.msg
	if seg.Start && !seg.Continues {
		*m = recvMessage{
			active:     true,
			op:         h.Opcode,
			rsv:        h.RSV,
			compressed: c.infl != nil && h.RSV&RSV1 != 0,
			emit:       c.rx.n,
		}
		if c.infl != nil {
			m.rsv &^= RSV1
			if m.compressed {
				c.infl.begin()
			}
		}
	}
	if n := len(seg.Data); n > 0 {
		if m.compressed {
			left := c.inflateSegment(seg)
			if c.failure != nil {
				return 0
			}
			if left > 0 {
				c.p.unread(left)
				return left
			}
		} else {
			dst := c.rx.reserve(c.alloc, n)
			if dst == nil {
				c.fail(&Error{Code: CodeNoMem, CloseCode: CloseInternalError, Msg: "out of memory receiving a message"})
				return 0
			}
			unmaskInto(dst, seg)
			if m.op == OpText && !c.skipUTF8 {
				// §8.1: fail as soon as the data cannot be valid UTF-8.
				if i := m.utf8.feed(dst); i >= 0 {
					c.fail(protocolError(CloseInvalidPayload, "invalid UTF-8 in text message at byte "+strconv.FormatInt(m.size+int64(i), 10)))
					return 0
				}
			}
			c.rx.n += n
			m.size += int64(n)
		}
	}
	switch {
	case seg.End && h.Fin:
		c.finishMessage()
	case c.streaming && !m.compressed && (seg.End || !c.perFrame),
		c.streaming && m.compressed && seg.End && c.perFrame:
		c.emitChunk(false)
	}
	return 0
}

// finishMessage queues the completed message (or its last chunk).
func (c *Conn) finishMessage() {
	m := &c.msg
	validate := m.op == OpText && !c.skipUTF8
	if m.compressed {
		if err := c.finishInflate(); err != nil {
			c.fail(err)
			return
		}
	}
	if validate && !m.utf8.complete() {
		c.fail(protocolError(CloseInvalidPayload, "text message ends inside a UTF-8 sequence"))
		return
	}
	c.emitChunk(true)
	m.active = false
}

// emitChunk queues the bytes received since the last chunk. Text chunks end
// on a character boundary, so each one is valid UTF-8 by itself.
func (c *Conn) emitChunk(last bool) {
	m := &c.msg
	end := c.rx.n
	if !last && m.op == OpText && !c.skipUTF8 && !c.perFrame {
		end -= m.utf8.pending()
	}
	if end == m.emit && !last && !c.perFrame {
		return
	}
	var flags uint8
	if !m.firstSent {
		flags |= evFirst
	}
	if last {
		flags |= evLast
	}
	if m.compressed {
		flags |= evCompressed
	}
	typ := EventBinary
	switch {
	case m.op == OpText:
		typ = EventText
	case m.op != OpBinary:
		typ = EventData
	}
	c.evq = append(c.evq, evRec{typ: typ, op: m.op, rsv: m.rsv, flags: flags, off: m.emit, n: end - m.emit})
	m.emit = end
	m.firstSent = true
}

func (c *Conn) onControl(seg *Segment) {
	if seg.Start {
		c.ctlOff = c.cx.n
	}
	if n := len(seg.Data); n > 0 {
		dst := c.cx.reserve(c.alloc, n)
		if dst == nil {
			c.fail(&Error{Code: CodeNoMem, CloseCode: CloseInternalError, Msg: "out of memory receiving a control frame"})
			return
		}
		unmaskInto(dst, seg)
		c.cx.n += n
	}
	if !seg.End {
		return
	}
	h := &seg.Header
	payload := c.cx.b[c.ctlOff:c.cx.n]
	rec := evRec{op: h.Opcode, rsv: h.RSV, flags: evFirst | evLast, inCx: true, off: c.ctlOff, n: len(payload)}
	switch h.Opcode {
	case OpPing:
		rec.typ = EventPing
		c.evq = append(c.evq, rec)
		// §5.5.2: answer with a pong carrying the same payload, unless we
		// already sent a close (§5.5.1: nothing may follow it).
		if c.autoPong && !c.closeSent {
			c.answerPing(payload)
		}
	case OpPong:
		rec.typ = EventPong
		c.evq = append(c.evq, rec)
		c.checkHeartbeatPong(payload)
	case OpClose:
		c.onClose(payload)
	default:
		rec.typ = EventControl
		c.evq = append(c.evq, rec)
	}
}

// answerPing queues the automatic pong. A peer that pings faster than we
// write would otherwise grow the output without bound: §5.5.3 lets an
// endpoint that has not yet sent its pongs to earlier pings answer only the
// most recent, so once maxPongRun pongs wait unsent at the end of the
// output, the last of them is replaced by each new answer (a few pings in
// one read are still answered one by one, as peers and test suites
// expect). And once the unsent output reaches MaxOutput, a peer that keeps
// pinging without reading fails the connection (1008) instead.
func (c *Conn) answerPing(payload []byte) {
	if c.pongRun >= maxPongRun && c.tx.n-c.txOff >= c.pongLen {
		c.tx.n -= c.pongLen
		c.pongRun--
	}
	if int64(c.tx.n-c.txOff) >= c.lim.maxOutput {
		c.fail(&Error{Code: CodeOutputFull, CloseCode: ClosePolicyViolation,
			Msg: "the peer keeps sending pings while not reading: " + strconv.Itoa(c.tx.n-c.txOff) + " bytes of output are unsent (the limit is " + strconv.FormatInt(c.lim.maxOutput, 10) + ")"})
		return
	}
	n, run := c.tx.n, c.pongRun
	c.writeControl(OpPong, 0, payload) // ends any run: putFrame
	c.pongLen, c.pongRun = c.tx.n-n, run+1
}

// maxPongRun is how many unsent pongs may follow one another at the end of
// the output before they are coalesced (at most 64 × 127 bytes).
const maxPongRun = 64

// onClose handles a received close frame (§5.5.1, §7.1.5, §7.4).
func (c *Conn) onClose(payload []byte) {
	code := CloseNoStatus
	reasonOff, reasonLen := c.ctlOff, 0
	switch {
	case len(payload) == 1:
		c.fail(protocolError(CloseProtocolError, "close frame with a 1-byte payload (a close code takes 2 bytes)"))
		return
	case len(payload) >= 2:
		code = CloseCode(binary.BigEndian.Uint16(payload))
		if !code.Valid() {
			c.fail(protocolError(CloseProtocolError, "close frame with invalid close code "+strconv.Itoa(int(code))))
			return
		}
		if !ValidUTF8(payload[2:]) {
			c.fail(protocolError(CloseInvalidPayload, "close frame reason is not valid UTF-8"))
			return
		}
		reasonOff, reasonLen = c.ctlOff+2, len(payload)-2
	}
	c.closeRecv = true
	c.msg.active = false
	rec := evRec{typ: EventClose, op: OpClose, init: ClosedByUs, inCx: true, code: code, off: reasonOff, n: reasonLen}
	if c.closeSent {
		// The peer answered our close: the closing handshake is complete.
		c.closeDone()
	} else {
		// §5.5.1: we must answer with a close frame. The reply is queued
		// when the host takes this event (NextEvent), so that messages
		// that arrived before the close can still be answered: an endpoint
		// may finish sending its current message before its close frame.
		rec.init, rec.flags = ClosedByPeer, evReply
		c.state = StateClosing
	}
	c.evq = append(c.evq, rec)
}

// replyClose answers the peer's close frame, echoing its status code
// (§5.5.1) and, with EchoCloseReason, its reason (already checked to be
// UTF-8 of at most 123 bytes), unless the host already sent a close of
// its own.
func (c *Conn) replyClose(code CloseCode, reason []byte) {
	if !c.closeSent {
		var echo [maxControlPayload]byte
		n := 0
		if code != CloseNoStatus {
			binary.BigEndian.PutUint16(echo[:], uint16(code))
			n = 2
			if c.echoReason {
				n += copy(echo[2:], reason)
			}
		}
		c.writeClose(echo[:n])
	}
	c.closeDone()
}

// closeDone records a completed closing handshake.
func (c *Conn) closeDone() {
	c.state = StateClosed
	switch {
	case c.role == RoleServer || c.eof:
		// §7.1.1: the server closes the TCP connection first.
		c.hint = HintClose
	default:
		// The client waits for the server to close it.
		c.hint = HintShutdownWrite
	}
}

// fail fails the connection (§7.1.7) because of err, a peer fault: stop
// reading and report it. Our close frame, with err's close code, is queued
// when the host takes the failure's EventClose (unless a close was already
// sent), so that the messages that arrived intact before the fault can
// still be answered first — as with the peer's own close.
func (c *Conn) fail(err error) {
	e := c.failWith(err)
	if c.state != StateClosed {
		c.state = StateClosing
	}
	c.pushTextEvent(evRec{typ: EventClose, op: OpClose, init: ClosedByFailure, code: e.CloseCode, flags: evReply}, e.Msg)
}

// failNow is fail for local decisions (an unanswered heartbeat): the close
// frame is queued at once.
func (c *Conn) failNow(err error) {
	e := c.failWith(err)
	c.replyFailure()
	c.pushTextEvent(evRec{typ: EventClose, op: OpClose, init: ClosedByFailure, code: e.CloseCode}, e.Msg)
}

// failWith records the failure.
func (c *Conn) failWith(err error) *Error {
	e, ok := err.(*Error)
	if !ok {
		e = &Error{Code: CodeInternal, CloseCode: CloseInternalError, Msg: err.Error()}
	}
	if e.CloseCode == 0 {
		e = &Error{Code: e.Code, CloseCode: CloseProtocolError, Msg: e.Msg}
	}
	c.failure = e
	c.msg.active = false
	return e
}

// replyFailure queues the close frame of a failure, unless one was sent,
// and closes: the endpoint that fails a connection closes the transport.
func (c *Conn) replyFailure() {
	if !c.closeSent && c.state != StateConnecting {
		var p [125]byte
		binary.BigEndian.PutUint16(p[:], uint16(c.failure.CloseCode))
		n := 2 + copy(p[2:], truncateUTF8(c.failure.Msg, 123))
		c.writeClose(p[:n])
	}
	c.state = StateClosed
	c.hint = HintClose
}

// pushTextEvent queues an event whose payload is a message of ours.
func (c *Conn) pushTextEvent(rec evRec, msg string) {
	rec.inCx = true
	if dst := c.cx.reserve(c.alloc, len(msg)); dst != nil {
		copy(dst, msg)
		rec.off, rec.n = c.cx.n, len(msg)
		c.cx.n += len(msg)
	}
	c.evq = append(c.evq, rec)
}

// truncateUTF8 shortens s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// FeedEOF tells the connection that the transport will deliver no more
// bytes. Without a completed close handshake that is an abnormal closure,
// reported as EventClose with code 1006 (§7.1.5). Calling it again changes
// nothing and returns CodeClosed: a host looping on a transport that ended
// learns it there.
func (c *Conn) FeedEOF() error {
	if c.eof {
		return newError(CodeClosed, "the end of input was already fed (the transport has ended)")
	}
	c.eof = true
	c.reclaim()
	switch {
	case c.state == StateConnecting:
		c.state = StateClosed
		c.hint = HintClose
		c.hs = nil
		c.failure = &Error{Code: CodeHandshake, Failure: FailClosed, Msg: "connection closed during the opening handshake"}
		c.pushTextEvent(evRec{typ: EventRejected}, c.failure.Msg)
	case c.closeRecv || c.failure != nil:
		// The peer's close arrived, or the connection failed: that event
		// is queued (with our close frame to follow). Nothing was lost.
	case c.state != StateClosed:
		c.state = StateClosed
		c.msg.active = false
		msg := "connection closed without a close frame"
		if c.p.inFrame || c.p.hn > 0 {
			msg = "connection closed in the middle of a frame"
		}
		c.pushTextEvent(evRec{typ: EventClose, op: OpClose, init: ClosedAbnormally, code: CloseAbnormal}, msg)
	}
	c.hint = HintClose
	return nil
}

// NextEvent returns the next queued event; ok is false when there is none.
// Its Data stays valid until the next Feed, FeedEOF or Shrink. It is
// TakeEvent returning the Event by value, and is inlined.
func (c *Conn) NextEvent() (ev Event, ok bool) {
	ok = c.TakeEvent(&ev)
	return ev, ok
}

// TakeEvent writes the next queued event into *ev and reports whether
// there was one (*ev is left alone when not); Data stays valid as with
// NextEvent. It is the cheaper call in a loop over many small messages:
// NextEvent's result is copied once more, in 16-byte pieces that wait for
// the field-by-field stores to land (store forwarding), about 6 ns of the
// 17 a 16-byte message costs.
func (c *Conn) TakeEvent(ev *Event) bool {
	if c.evHead == len(c.evq) {
		return false
	}
	r, buf := c.take()
	ev.Type, ev.Opcode, ev.RSV = r.typ, r.op, r.rsv
	ev.First, ev.Last, ev.Compressed = r.flags&evFirst != 0, r.flags&evLast != 0, r.flags&evCompressed != 0
	ev.Code, ev.Initiator = r.code, r.init
	ev.Data = nil
	if r.n > 0 {
		ev.Data = buf.b[r.off : r.off+r.n : r.off+r.n]
	}
	return true
}

// PeekEvent returns the type of the next queued event without taking it;
// ok is false when there is none. Hosts that take events in batches stop a
// batch before an EventClose, whose taking queues the close reply.
func (c *Conn) PeekEvent() (t EventType, ok bool) {
	if c.evHead == len(c.evq) {
		return EventNone, false
	}
	return c.evq[c.evHead].typ, true
}

// Pending returns the number of queued events.
func (c *Conn) Pending() int { return len(c.evq) - c.evHead }

// reclaim drops the payloads of delivered events. It moves live bytes to
// the front only when at least as many bytes are dead, so a large message
// arriving in many pieces is not copied again and again.
func (c *Conn) reclaim() {
	if c.evHead == len(c.evq) {
		c.evq, c.evHead = c.evq[:0], 0
	}
	liveRx, liveCx := c.rx.n, c.cx.n
	for i := c.evHead; i < len(c.evq); i++ {
		r := &c.evq[i]
		if r.inCx {
			liveCx = min(liveCx, r.off)
		} else {
			liveRx = min(liveRx, r.off)
		}
	}
	if c.msg.active {
		liveRx = min(liveRx, c.msg.emit)
	}
	if c.p.inFrame && c.p.h.Opcode.IsControl() {
		liveCx = min(liveCx, c.ctlOff)
	}
	c.rxLive, c.cxLive = liveRx, liveCx
	if liveRx > 0 && liveRx >= c.rx.n-liveRx {
		c.rxLive = 0
		c.rx.drop(liveRx)
		if c.msg.active {
			c.msg.emit -= liveRx
		}
		for i := c.evHead; i < len(c.evq); i++ {
			if !c.evq[i].inCx {
				c.evq[i].off -= liveRx
			}
		}
	}
	if liveCx > 0 && liveCx >= c.cx.n-liveCx {
		c.cxLive = 0
		c.cx.drop(liveCx)
		if c.p.inFrame {
			c.ctlOff -= liveCx
		}
		for i := c.evHead; i < len(c.evq); i++ {
			if c.evq[i].inCx {
				c.evq[i].off -= liveCx
			}
		}
	}
	c.rx.trim(c.alloc)
	c.cx.trim(c.alloc)
}

// FeedAll is Feed without the receive budget for this one call: it
// consumes all of b, so what it queues is bounded only by the message
// limits and len(b). It exists for hosts that cannot feed input again
// (libws 1.0's ws_feed_events); prefer Feed.
func (c *Conn) FeedAll(b []byte) (int, error) {
	q := c.lim.maxQueued
	c.lim.maxQueued = maxRoom
	defer func() { c.lim.maxQueued = q }()
	return c.Feed(b)
}

// take removes the next queued event (there is one) and returns it with the
// buffer its payload is in, queuing first the close reply it calls for.
func (c *Conn) take() (*evRec, *buffer) {
	r := &c.evq[c.evHead]
	c.evHead++
	buf := &c.rx
	if r.inCx {
		buf = &c.cx
	}
	if r.flags&evReply != 0 {
		if r.init == ClosedByFailure {
			c.replyFailure()
		} else {
			c.replyClose(r.code, buf.b[r.off:r.off+r.n])
		}
	}
	return r, buf
}
