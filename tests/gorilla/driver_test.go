package gorilla

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/libws/libws/ws"
)

const (
	// ioTimeout bounds a whole connection (socket deadlines on both sides),
	// so a stuck peer fails the test instead of hanging it.
	// Generous, because -race on a busy machine is slow; a normal run takes
	// a second or two.
	ioTimeout = 60 * time.Second
	// eventTimeout bounds the wait for one event.
	eventTimeout = 20 * time.Second
)

// driver is a tiny blocking host for a *ws.Conn: it moves bytes between a
// net.Conn and the connection. A reader goroutine only reads the socket
// (so our writes can never deadlock against a peer that is writing too);
// everything that touches the *ws.Conn runs on the test goroutine, because
// a Conn is not safe for concurrent use.
type driver struct {
	t    *testing.T
	nc   net.Conn
	c    *ws.Conn
	in   chan []byte   // chunks read from the socket; closed at EOF or error
	rerr error         // why the reader stopped; written before in is closed
	done chan struct{} // closed at cleanup to release the reader
	eof  bool

	sent, recv frameTap // independent record of the frames on the wire
	nrecv      int      // data messages returned by next so far

	peer <-chan error // the gorilla side's result, quoted when we fail
}

// fatalf fails the test, adding the gorilla side's error if it has one:
// when gorilla gives up first, its error is usually the real story.
func (d *driver) fatalf(format string, args ...any) {
	d.t.Helper()
	msg := fmt.Sprintf(format, args...)
	select {
	case err := <-d.peer:
		msg += fmt.Sprintf("\n\tgorilla side: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	d.t.Fatal(msg)
}

func newDriver(t *testing.T, nc net.Conn, c *ws.Conn, peer <-chan error) *driver {
	d := &driver{t: t, nc: nc, c: c, in: make(chan []byte, 256), done: make(chan struct{}), peer: peer}
	if err := nc.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
		t.Fatal(err)
	}
	go d.readLoop()
	t.Cleanup(func() {
		close(d.done)
		nc.Close()
	})
	return d
}

func (d *driver) readLoop() {
	defer close(d.in)
	for {
		buf := make([]byte, 64<<10)
		n, err := d.nc.Read(buf)
		if n > 0 {
			select {
			case d.in <- buf[:n]:
			case <-d.done:
				return
			}
		}
		if err != nil {
			d.rerr = err
			return
		}
	}
}

// flush writes all pending output to the socket.
func (d *driver) flush() {
	d.t.Helper()
	for d.c.OutputLen() > 0 {
		out := d.c.Output()
		n, err := d.nc.Write(out)
		d.sent.write(out[:n])
		if cerr := d.c.Consume(n); cerr != nil {
			d.fatalf("Consume(%d): %v", n, cerr)
		}
		if err != nil {
			d.fatalf("%v: writing to the socket: %v", d.c.Role(), err)
		}
	}
}

// event is a ws.Event whose Data is our own copy, plus, for a data
// message, the frames that carried it as seen on the wire.
type event struct {
	ws.Event
	frames []frameInfo
}

// next returns the next event, reading the socket as needed and writing
// whatever the connection queued (pongs, close replies).
func (d *driver) next() event {
	d.t.Helper()
	timer := time.NewTimer(eventTimeout)
	defer timer.Stop()
	for {
		if ev, ok := d.c.NextEvent(); ok {
			e := event{Event: ev}
			e.Data = bytes.Clone(ev.Data) // ev.Data is only valid until the next Feed
			if ev.Type == ws.EventText || ev.Type == ws.EventBinary {
				e.frames = d.recv.message(d.nrecv)
				d.nrecv++
			}
			d.flush()
			return e
		}
		d.flush()
		if d.eof {
			d.fatalf("%v: the transport ended and no event is left (state %v, err %v)", d.c.Role(), d.c.State(), d.c.Err())
		}
		select {
		case b, ok := <-d.in:
			if !ok {
				if !errors.Is(d.rerr, io.EOF) {
					d.fatalf("%v: reading the socket: %v", d.c.Role(), d.rerr)
				}
				d.eof = true
				if err := d.c.FeedEOF(); err != nil {
					d.fatalf("FeedEOF: %v", err)
				}
				continue
			}
			d.recv.write(b)
			if _, err := d.c.Feed(b); err != nil {
				d.fatalf("Feed: %v", err)
			}
		case <-timer.C:
			d.fatalf("%v: no event within %v (state %v)", d.c.Role(), eventTimeout, d.c.State())
		}
	}
}

// expect returns the next event and fails unless it has type typ and
// payload want.
func (d *driver) expect(typ ws.EventType, want []byte) event {
	d.t.Helper()
	ev := d.next()
	if ev.Type != typ || !bytes.Equal(ev.Data, want) {
		d.fatalf("%v: got %v event with %s (code %d), want %v event with %s",
			d.c.Role(), ev.Type, show(ev.Data), ev.Code, typ, show(want))
	}
	return ev
}

// send runs fn (which queues one data message, possibly with control
// frames between its fragments), writes it out and returns the frames
// from the message's first frame to its final one.
func (d *driver) send(fn func() error) []frameInfo {
	d.t.Helper()
	i := len(d.sent.starts)
	if err := fn(); err != nil {
		d.fatalf("%v: send: %v", d.c.Role(), err)
	}
	d.flush()
	f := d.sent.message(i)
	if f == nil {
		d.fatalf("%v: no complete message was written", d.c.Role())
	}
	return f
}

// waitEOF reads until the peer closes the transport; nothing may arrive.
func (d *driver) waitEOF() {
	d.t.Helper()
	timer := time.NewTimer(eventTimeout)
	defer timer.Stop()
	for !d.eof {
		select {
		case b, ok := <-d.in:
			if !ok {
				if !errors.Is(d.rerr, io.EOF) {
					d.fatalf("%v: waiting for EOF: %v", d.c.Role(), d.rerr)
				}
				d.eof = true
				break
			}
			d.fatalf("%v: %d bytes arrived after the close handshake: %q", d.c.Role(), len(b), b)
		case <-timer.C:
			d.fatalf("%v: the peer did not close the transport within %v", d.c.Role(), eventTimeout)
		}
	}
	if err := d.c.FeedEOF(); err != nil {
		d.fatalf("FeedEOF: %v", err)
	}
	if ev, ok := d.c.NextEvent(); ok {
		d.fatalf("%v: unexpected %v event after a clean close", d.c.Role(), ev.Type)
	}
}

// closeTransport writes what is pending and closes the socket, as
// HintClose asks.
func (d *driver) closeTransport() {
	d.t.Helper()
	d.flush()
	if err := d.nc.Close(); err != nil {
		d.fatalf("closing the socket: %v", err)
	}
}

// show describes a payload briefly for failure messages.
func show(b []byte) string {
	if len(b) <= 48 {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%d bytes %q...", len(b), b[:32])
}

// frameInfo is one frame header as seen on the wire.
type frameInfo struct {
	fin    bool
	rsv    byte // the RSV bits in place: 0x40 is RSV1
	op     byte
	masked bool
	length int64
}

const rsv1 = 0x40

// frameTap decodes frame headers from one direction of a connection,
// independently of libws, so tests can check how messages were framed
// (fragments, RSV1, masking). It skips the HTTP head first.
type frameTap struct {
	head     []byte
	headDone bool
	hdr      []byte // a frame header split across writes
	left     int64  // payload bytes of the current frame still to skip
	frames   []frameInfo
	starts   []int // index in frames of each data message's first frame
}

func (t *frameTap) write(b []byte) {
	for len(b) > 0 {
		if !t.headDone {
			t.head = append(t.head, b...)
			i := bytes.Index(t.head, []byte("\r\n\r\n"))
			if i < 0 {
				return
			}
			b = t.head[i+4:]
			t.headDone = true
			continue
		}
		if t.left > 0 {
			k := min(t.left, int64(len(b)))
			b = b[k:]
			t.left -= k
			continue
		}
		var f frameInfo
		if len(t.hdr) == 0 {
			var n int
			var ok bool
			if f, n, ok = parseFrameHeader(b); !ok {
				t.hdr = append(t.hdr, b...)
				return
			}
			b = b[n:]
		} else {
			old := len(t.hdr)
			t.hdr = append(t.hdr, b[:min(len(b), 14-old)]...)
			var n int
			var ok bool
			if f, n, ok = parseFrameHeader(t.hdr); !ok {
				return // b was shorter than the header's rest
			}
			b = b[n-old:]
			t.hdr = t.hdr[:0]
		}
		if f.op != 0 && f.op < 8 {
			t.starts = append(t.starts, len(t.frames))
		}
		t.frames = append(t.frames, f)
		t.left = f.length
	}
}

// message returns the frames of the i-th data message, from its first
// frame to its final one (control frames in between included), or nil if
// it is not complete yet.
func (t *frameTap) message(i int) []frameInfo {
	if i >= len(t.starts) {
		return nil
	}
	for j := t.starts[i]; j < len(t.frames); j++ {
		if f := t.frames[j]; f.op < 8 && f.fin {
			return t.frames[t.starts[i] : j+1]
		}
	}
	return nil
}

func parseFrameHeader(b []byte) (f frameInfo, n int, ok bool) {
	if len(b) < 2 {
		return f, 0, false
	}
	f = frameInfo{fin: b[0]&0x80 != 0, rsv: b[0] & 0x70, op: b[0] & 0x0f, masked: b[1]&0x80 != 0}
	l, n := int64(b[1]&0x7f), 2
	switch l {
	case 126:
		if len(b) < 4 {
			return f, 0, false
		}
		l, n = int64(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return f, 0, false
		}
		l, n = int64(binary.BigEndian.Uint64(b[2:])), 10
	}
	if f.masked {
		n += 4
	}
	if len(b) < n {
		return f, 0, false
	}
	f.length = l
	return f, n, true
}

// checkFraming checks how one data message was framed: the opcode on the
// first frame only, RSV1 on the first frame iff compressed (RFC 7692 §6.1),
// masking by the client only (RFC 6455 §5.1), and at least minData data
// frames.
func checkFraming(t *testing.T, who string, frames []frameInfo, op byte, compressed, masked bool, minData int) {
	t.Helper()
	if len(frames) == 0 {
		t.Fatalf("%s: no frames recorded", who)
	}
	data := 0
	for i, f := range frames {
		if f.masked != masked {
			t.Errorf("%s: frame %d masked=%v, want %v", who, i, f.masked, masked)
		}
		if f.op >= 8 {
			continue
		}
		data++
		wantOp, wantRSV := byte(0), byte(0)
		if i == 0 {
			wantOp = op
			if compressed {
				wantRSV = rsv1
			}
		}
		if f.op != wantOp || f.rsv != wantRSV {
			t.Errorf("%s: data frame %d has opcode %d rsv %#x, want opcode %d rsv %#x", who, i, f.op, f.rsv, wantOp, wantRSV)
		}
		if f.fin != (i == len(frames)-1) {
			t.Errorf("%s: data frame %d fin=%v", who, i, f.fin)
		}
	}
	if data < minData {
		t.Errorf("%s: message came in %d data frames, want at least %d", who, data, minData)
	}
}
