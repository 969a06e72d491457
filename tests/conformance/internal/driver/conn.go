// Package driver is the conformance driver's own WebSocket endpoint: it
// sends exactly the bytes a case prescribes (valid or not), reads the
// peer's frames with every RFC 6455 check, records what arrives, and keeps
// the closing-handshake bookkeeping Autobahn|Testsuite reports (closedByMe,
// droppedByMe, wasClean, remote close code).
package driver

import (
	"bufio"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/libws/libws/tests/conformance/internal/pmd"
	"github.com/libws/libws/tests/conformance/internal/wire"
)

// Role is the driver's side of the connection.
type Role int

const (
	// Client: the driver is the client, the implementation under test a
	// server (frames we send are masked).
	Client Role = iota
	// Server: the driver is the fuzzing server, the implementation under
	// test a client.
	Server
)

func (r Role) String() string {
	if r == Client {
		return "client"
	}
	return "server"
}

// Kind is the kind of an observed event.
type Kind int

const (
	Message Kind = iota
	Ping
	Pong
	Timeout // a marker the case inserts ("the connection was still open at A")
)

// Event is something the peer did, in the form Autobahn records it.
type Event struct {
	Kind       Kind
	Binary     bool
	Data       []byte
	Label      string // Timeout
	Compressed bool
	At         time.Duration // since the connection opened
}

// Equal compares what Autobahn compares: kind, type, payload, label.
func (e Event) Equal(o Event) bool {
	return e.Kind == o.Kind && e.Binary == o.Binary && e.Label == o.Label && string(e.Data) == string(o.Data)
}

func (e Event) String() string {
	switch e.Kind {
	case Message:
		t := "text"
		if e.Binary {
			t = "binary"
		}
		return fmt.Sprintf("message(%s, %s)", t, show(e.Data))
	case Ping:
		return fmt.Sprintf("ping(%s)", show(e.Data))
	case Pong:
		return fmt.Sprintf("pong(%s)", show(e.Data))
	}
	return fmt.Sprintf("timeout(%s)", e.Label)
}

func show(p []byte) string {
	if len(p) <= 40 {
		if utf8.Valid(p) {
			return fmt.Sprintf("%q", p)
		}
		return fmt.Sprintf("% x", p)
	}
	return fmt.Sprintf("%d bytes, sha1 %x", len(p), sha1.Sum(p))
}

// Describe formats a list of events.
func Describe(evs []Event) string {
	s := "["
	for i, e := range evs {
		if i > 0 {
			s += ", "
		}
		if i == 8 {
			return s + fmt.Sprintf("... %d more]", len(evs)-8)
		}
		s += e.String()
	}
	return s + "]"
}

// Conn is one connection of the driver.
type Conn struct {
	Role    Role
	nc      net.Conn
	br      *bufio.Reader
	start   time.Time
	Deflate *pmd.Params // agreed permessage-deflate, or nil
	infl    *pmd.Inflater
	defl    *pmd.Deflater

	// Autobahn's defaults: 1 s for the peer's close reply and for the
	// server to drop TCP after the closing handshake.
	CloseHandshakeTimeout time.Duration
	ServerDropTimeout     time.Duration
	MaxMessage            int
	// Record keeps every event for judging; bulk cases turn it off and
	// take events with Next.
	Record bool

	wmu sync.Mutex

	mu      sync.Mutex
	changed chan struct{}
	events  []Event
	next    int

	// The closing bookkeeping, named as in Autobahn's reports.
	sentClose              bool
	closedByMe             bool
	localCode              int
	gotClose               bool
	remoteCode             int // -1: none (no close frame, or one without a code)
	remoteReason           []byte
	remoteCloseAt          time.Duration
	wasClean               bool
	notCleanReason         string
	droppedByMe            bool
	peerDropped            bool
	tcpClosedAt            time.Duration
	serverDropTimedOut     bool
	closeHandshakeTimedOut bool
	peerError              string
	done                   bool
	doneCh                 chan struct{}

	inMsg   bool
	msgOp   byte
	msgComp bool
	msgBuf  []byte

	// TxFrames counts the frames we sent by opcode (case 10.1.1 checks it).
	TxFrames [16]int
	rng      *rand.ChaCha8
}

// New wraps an established connection whose opening handshake is done;
// br holds any bytes read past the HTTP head. Call Start to read.
func New(role Role, nc net.Conn, br *bufio.Reader, agreed *pmd.Params) *Conn {
	var seed [32]byte
	binaryPutTime(seed[:], time.Now().UnixNano())
	c := &Conn{
		Role: role, nc: nc, br: br, start: time.Now(), Deflate: agreed,
		CloseHandshakeTimeout: time.Second, ServerDropTimeout: time.Second,
		MaxMessage: 256 << 20, Record: true,
		changed: make(chan struct{}), doneCh: make(chan struct{}),
		remoteCode: -1, localCode: -1,
		rng: rand.NewChaCha8(seed),
	}
	if agreed != nil {
		in, out := agreed.ServerMaxWindowBits, agreed.ClientMaxWindowBits
		inNoCtx, outNoCtx := agreed.ServerNoContextTakeover, agreed.ClientNoContextTakeover
		if role == Server {
			in, out = out, in
			inNoCtx, outNoCtx = outNoCtx, inNoCtx
		}
		c.infl = &pmd.Inflater{WindowBits: in, ContextTakeover: !inNoCtx}
		c.defl = &pmd.Deflater{WindowBits: out, ContextTakeover: !outNoCtx}
	}
	return c
}

func binaryPutTime(b []byte, t int64) {
	for i := range 8 {
		b[i] = byte(t >> (8 * i))
	}
}

// Start runs the reader.
func (c *Conn) Start() { go c.readLoop() }

// Since is the time since the connection opened.
func (c *Conn) Since() time.Duration { return time.Since(c.start) }

// ---- state, under c.mu --------------------------------------------------

func (c *Conn) broadcast() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// WaitUntil blocks until cond (evaluated under the lock) holds or the
// deadline passes; it reports whether cond held.
func (c *Conn) WaitUntil(deadline time.Time, cond func() bool) bool {
	for {
		c.mu.Lock()
		ok := cond()
		ch := c.changed
		c.mu.Unlock()
		if ok {
			return true
		}
		d := time.Until(deadline)
		if d <= 0 {
			return false
		}
		t := time.NewTimer(d)
		select {
		case <-ch:
		case <-t.C:
		}
		t.Stop()
	}
}

// Changed returns a channel closed at the next state change.
func (c *Conn) Changed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changed
}

// The following accessors take the lock; the *L variants expect it held.

func (c *Conn) Done() bool  { c.mu.Lock(); defer c.mu.Unlock(); return c.done }
func (c *Conn) DoneL() bool { return c.done }

// OpenL: no close frame either way and TCP up (Autobahn's STATE_OPEN).
func (c *Conn) OpenL() bool { return !c.sentClose && !c.gotClose && !c.done }
func (c *Conn) Open() bool  { c.mu.Lock(); defer c.mu.Unlock(); return c.OpenL() }

// PeerReactedL: the peer sent a close frame or closed TCP.
func (c *Conn) PeerReactedL() bool { return c.gotClose || c.peerDropped }

// ReceivedL returns the recorded events.
func (c *Conn) ReceivedL() []Event { return c.events }
func (c *Conn) Received() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Event(nil), c.events...)
}

// Mark records a Timeout event with label (Autobahn's ("timeout", label)).
func (c *Conn) Mark(label string) {
	c.mu.Lock()
	c.events = append(c.events, Event{Kind: Timeout, Label: label, At: c.Since()})
	c.broadcast()
	c.mu.Unlock()
}

func (c *Conn) record(e Event) {
	c.mu.Lock()
	e.At = c.Since()
	c.events = append(c.events, e)
	c.broadcast()
	c.mu.Unlock()
}

// Next takes the next event not taken yet, waiting until deadline.
func (c *Conn) Next(deadline time.Time) (Event, bool) {
	var e Event
	ok := c.WaitUntil(deadline, func() bool { return c.next < len(c.events) || c.done })
	c.mu.Lock()
	defer c.mu.Unlock()
	if !ok || c.next >= len(c.events) {
		return e, false
	}
	e = c.events[c.next]
	if !c.Record {
		c.events[c.next] = Event{}
		if c.next++; c.next == len(c.events) {
			c.events, c.next = c.events[:0], 0
		}
	} else {
		c.next++
	}
	return e, true
}

// Status is the closing bookkeeping, for judging.
type Status struct {
	ClosedByMe, DroppedByMe, PeerDropped, WasClean bool
	SentClose, GotClose                            bool
	LocalCode, RemoteCode                          int // -1: none
	RemoteReason                                   []byte
	RemoteCloseAt, TCPClosedAt                     time.Duration
	NotCleanReason, PeerError                      string
	ServerDropTimedOut, CloseHandshakeTimedOut     bool
}

func (c *Conn) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Status{
		ClosedByMe: c.closedByMe, DroppedByMe: c.droppedByMe, PeerDropped: c.peerDropped, WasClean: c.wasClean,
		SentClose: c.sentClose, GotClose: c.gotClose, LocalCode: c.localCode, RemoteCode: c.remoteCode,
		RemoteReason: c.remoteReason, RemoteCloseAt: c.remoteCloseAt, TCPClosedAt: c.tcpClosedAt,
		NotCleanReason: c.notCleanReason, PeerError: c.peerError,
		ServerDropTimedOut: c.serverDropTimedOut, CloseHandshakeTimedOut: c.closeHandshakeTimedOut,
	}
}

// ---- writing ------------------------------------------------------------------

// ChopDelay is the pause between chops of a chopped write, so that the peer
// reads them separately (Autobahn writes each chop in its own reactor turn).
var ChopDelay = 100 * time.Microsecond

// WriteRaw writes b, in pieces of chop bytes when chop > 0, pausing after
// each piece when sync (or for chopped writes of up to 300 pieces: the small
// frames that test the peer's parser one byte at a time).
func (c *Conn) WriteRaw(b []byte, chop int, sync bool) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeRawL(b, chop, sync)
}

func (c *Conn) writeRawL(b []byte, chop int, sync bool) error {
	c.nc.SetWriteDeadline(time.Now().Add(120 * time.Second))
	if chop <= 0 || chop >= len(b) {
		_, err := c.nc.Write(b)
		if sync {
			time.Sleep(ChopDelay)
		}
		return err
	}
	pause := sync || (len(b)+chop-1)/chop <= 300
	for i := 0; i < len(b); i += chop {
		if _, err := c.nc.Write(b[i:min(i+chop, len(b))]); err != nil {
			return err
		}
		if pause {
			time.Sleep(ChopDelay)
		}
	}
	return nil
}

// EncodeFrame returns the wire form of a frame, masked with a fresh key
// when the driver is the client.
func (c *Conn) EncodeFrame(fin bool, rsv, op byte, payload []byte) []byte {
	var mask *[4]byte
	if c.Role == Client {
		var k [4]byte
		c.rng.Read(k[:])
		mask = &k
	}
	return wire.AppendFrame(make([]byte, 0, len(payload)+14), fin, rsv, op, payload, mask)
}

// WriteFrame sends one frame as it is (nothing checked).
func (c *Conn) WriteFrame(fin bool, rsv, op byte, payload []byte, chop int, sync bool) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.TxFrames[op&15]++
	return c.writeRawL(c.EncodeFrame(fin, rsv, op, payload), chop, sync)
}

// SendMessage sends a message like Autobahn's sendMessage: compressed when
// permessage-deflate is in use, in frames of fragSize payload bytes (0: one
// frame), each frame written separately.
func (c *Conn) SendMessage(binary bool, p []byte, fragSize int, sync bool) error {
	op := byte(wire.OpText)
	if binary {
		op = wire.OpBinary
	}
	var rsv byte
	if c.defl != nil {
		p = c.defl.Compress(p)
		rsv = wire.RSV1
	}
	if fragSize <= 0 || fragSize >= len(p) {
		return c.WriteFrame(true, rsv, op, p, 0, sync)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	var buf []byte
	for i := 0; i < len(p); i += fragSize {
		end := min(i+fragSize, len(p))
		f := c.EncodeFrame(end == len(p), rsv, op, p[i:end])
		c.TxFrames[op]++
		op, rsv = wire.OpContinuation, 0
		if sync {
			if err := c.writeRawL(f, 0, true); err != nil {
				return err
			}
			continue
		}
		buf = append(buf, f...)
		if len(buf) >= 64<<10 {
			if err := c.writeRawL(buf, 0, false); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	if len(buf) > 0 {
		return c.writeRawL(buf, 0, false)
	}
	return nil
}

// SendClose starts (or, as a reply, completes) the closing handshake with
// a close frame: code < 0 sends none, reason may be anything (the cases
// send invalid ones on purpose). Like Autobahn's sendCloseFrame it does
// nothing once a close frame was sent.
func (c *Conn) SendClose(code int, reason []byte) {
	c.SendCloseRaw(nil, wire.ClosePayload(code, reason))
}

// SendCloseRaw is SendClose with any payload, writing the bytes in before
// and the close frame in one write (frames a case sent "in one chop" with
// the close).
func (c *Conn) SendCloseRaw(before, payload []byte) {
	code := -1
	if len(payload) >= 2 {
		code = int(payload[0])<<8 | int(payload[1])
	}
	c.mu.Lock()
	if c.sentClose || c.done {
		c.mu.Unlock()
		if len(before) > 0 {
			c.WriteRaw(before, 0, false)
		}
		return
	}
	c.sentClose = true
	c.localCode = code
	reply := c.gotClose
	if !reply {
		c.closedByMe = true
	}
	c.broadcast()
	c.mu.Unlock()
	c.wmu.Lock()
	c.TxFrames[wire.OpClose]++
	c.writeRawL(append(before, c.EncodeFrame(true, 0, wire.OpClose, payload)...), 0, false)
	c.wmu.Unlock()
	if reply {
		c.handshakeDone()
		return
	}
	if c.CloseHandshakeTimeout > 0 {
		time.AfterFunc(c.CloseHandshakeTimeout, func() {
			c.mu.Lock()
			late := !c.gotClose && !c.done
			if late {
				c.closeHandshakeTimedOut = true
				c.notCleanReason = "peer did not respond (in time) to our close frame"
			}
			c.mu.Unlock()
			if late {
				c.Drop("")
			}
		})
	}
}

// Drop closes the TCP connection from our side.
func (c *Conn) Drop(reason string) {
	c.mu.Lock()
	if c.done {
		c.mu.Unlock()
		return
	}
	c.droppedByMe = true
	if reason != "" && !c.wasClean && c.notCleanReason == "" {
		c.notCleanReason = reason
	}
	c.mu.Unlock()
	c.nc.Close()
}

// WaitDone waits until the connection is closed, dropping it at deadline.
func (c *Conn) WaitDone(deadline time.Time) {
	if !c.WaitUntil(deadline, func() bool { return c.done }) {
		c.Drop("the connection was still open at the end of the case")
		<-c.doneCh
	}
}

// handshakeDone: both close frames went their way. A server closes TCP now
// (§7.1.1); a client waits for the server to do it.
func (c *Conn) handshakeDone() {
	c.mu.Lock()
	if !c.done {
		c.wasClean = true
	}
	c.broadcast()
	c.mu.Unlock()
	if c.Role == Server {
		c.Drop("")
		return
	}
	if c.ServerDropTimeout > 0 {
		time.AfterFunc(c.ServerDropTimeout, func() {
			c.mu.Lock()
			late := !c.done
			if late {
				c.serverDropTimedOut = true
				c.wasClean = false
				c.notCleanReason = "server did not drop the TCP connection in time after the closing handshake"
			}
			c.mu.Unlock()
			if late {
				c.Drop("")
			}
		})
	}
}

// ---- reading --------------------------------------------------------------

func (c *Conn) violation(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	c.mu.Lock()
	if c.peerError == "" {
		c.peerError = msg
	}
	c.mu.Unlock()
	c.Drop("we failed the connection: " + msg)
}

func (c *Conn) readLoop() {
	defer c.finish()
	for {
		h, err := wire.ReadHeader(c.br)
		if err != nil {
			c.readEnded(err)
			return
		}
		if msg := c.checkHeader(h); msg != "" {
			c.violation("%s", msg)
			return
		}
		if h.Length > uint64(c.MaxMessage) {
			c.violation("frame of %d bytes, more than the driver accepts", h.Length)
			return
		}
		payload := make([]byte, h.Length)
		if _, err := io.ReadFull(c.br, payload); err != nil {
			c.readEnded(err)
			return
		}
		if h.Masked {
			wire.Unmask(h.Mask, payload)
		}
		if msg := c.frame(h, payload); msg != "" {
			c.violation("%s", msg)
			return
		}
	}
}

func (c *Conn) checkHeader(h wire.Header) string {
	c.mu.Lock()
	gotClose := c.gotClose
	c.mu.Unlock()
	switch {
	case gotClose:
		return fmt.Sprintf("a frame (opcode %d) after the close frame (§5.5.1)", h.Opcode)
	case c.Role == Client && h.Masked:
		return "a masked frame from the server (§5.1)"
	case c.Role == Server && !h.Masked:
		return "an unmasked frame from the client (§5.1)"
	case h.TopBit:
		return "a 64-bit payload length with the most significant bit set (§5.2)"
	case h.NonMinimal:
		return fmt.Sprintf("payload length %d not in the minimal encoding (§5.2)", h.Length)
	case wire.IsReserved(h.Opcode):
		return fmt.Sprintf("reserved opcode %d (§5.2)", h.Opcode)
	}
	rsvOK := byte(0)
	if c.Deflate != nil && (h.Opcode == wire.OpText || h.Opcode == wire.OpBinary) {
		rsvOK = wire.RSV1
	}
	if h.RSV&^rsvOK != 0 {
		return fmt.Sprintf("RSV bits %03b on opcode %d without an extension that defines them (§5.2, RFC 7692 §6)", h.RSV, h.Opcode)
	}
	if wire.IsControl(h.Opcode) {
		if !h.Fin {
			return fmt.Sprintf("a fragmented control frame (opcode %d, §5.5)", h.Opcode)
		}
		if h.Length > 125 {
			return fmt.Sprintf("a control frame (opcode %d) with a %d-byte payload (§5.5)", h.Opcode, h.Length)
		}
		return ""
	}
	if h.Opcode == wire.OpContinuation && !c.inMsg {
		return "a continuation frame with no message to continue (§5.4)"
	}
	if h.Opcode != wire.OpContinuation && c.inMsg {
		return fmt.Sprintf("a new data frame (opcode %d) inside a fragmented message (§5.4)", h.Opcode)
	}
	return ""
}

func (c *Conn) frame(h wire.Header, p []byte) string {
	switch h.Opcode {
	case wire.OpPing:
		c.record(Event{Kind: Ping, Data: p})
		go func() {
			c.mu.Lock()
			closing := c.sentClose || c.done
			c.mu.Unlock()
			if !closing {
				c.WriteFrame(true, 0, wire.OpPong, p, 0, false)
			}
		}()
		return ""
	case wire.OpPong:
		c.record(Event{Kind: Pong, Data: p})
		return ""
	case wire.OpClose:
		code, reason, err := wire.CheckClosePayload(p)
		if err != nil {
			return err.Error()
		}
		c.mu.Lock()
		c.gotClose = true
		c.remoteCode = code
		c.remoteReason = reason
		c.remoteCloseAt = c.Since()
		replied := c.sentClose
		c.broadcast()
		c.mu.Unlock()
		if replied {
			c.handshakeDone()
		} else {
			// Autobahn answers at once with the peer's code (or no code).
			c.SendClose(code, nil)
		}
		return ""
	}
	if h.Opcode != wire.OpContinuation {
		c.inMsg, c.msgOp, c.msgComp, c.msgBuf = true, h.Opcode, h.RSV&wire.RSV1 != 0, nil
	}
	if len(c.msgBuf)+len(p) > c.MaxMessage {
		return fmt.Sprintf("a message of more than %d bytes", c.MaxMessage)
	}
	c.msgBuf = append(c.msgBuf, p...)
	if !h.Fin {
		return ""
	}
	c.inMsg = false
	data := c.msgBuf
	c.msgBuf = nil
	if c.msgComp {
		var err error
		if data, err = c.infl.Inflate(data); err != nil {
			return "invalid permessage-deflate data: " + err.Error()
		}
	}
	if c.msgOp == wire.OpText && !utf8.Valid(data) {
		return "a text message that is not valid UTF-8 (§5.6, §8.1)"
	}
	c.record(Event{Kind: Message, Binary: c.msgOp == wire.OpBinary, Data: data, Compressed: c.msgComp})
	return ""
}

func (c *Conn) readEnded(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.droppedByMe {
		return // we closed it
	}
	c.peerDropped = true
	if !(c.sentClose && c.gotClose) {
		c.wasClean = false
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			c.notCleanReason = "peer dropped the TCP connection without previous WebSocket closing handshake"
		} else {
			c.notCleanReason = "peer ended the TCP connection without previous WebSocket closing handshake: " + err.Error()
		}
	}
}

func (c *Conn) finish() {
	c.nc.Close()
	c.mu.Lock()
	c.done = true
	c.tcpClosedAt = c.Since()
	c.broadcast()
	c.mu.Unlock()
	close(c.doneCh)
}
