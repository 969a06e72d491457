package wsnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libws/libws/ws"
)

// Conn is a WebSocket connection over a net.Conn, made by Upgrade or Dial.
//
// One goroutine may read (ReadMessage, Reader) while another writes
// (WriteMessage, Writer); Ping, Close, CloseNow, the deadline setters and
// the keepalive may be called from any goroutine at any time. A second
// concurrent reader gets ErrConcurrentRead and a second concurrent data
// writer ErrConcurrentWrite: misuse is an error, never a panic or a data
// race.
//
// Pongs and close replies that the protocol owes the peer are written by
// whichever goroutine is writing at the time, or by the reader, so a
// connection that is only read still answers pings.
type Conn struct {
	nc           net.Conn
	closeTimeout time.Duration

	// mu guards e and the fields after it. It is held for short critical
	// sections only, never across network I/O.
	mu         sync.Mutex
	e          *ws.Conn
	rerr       error // the terminal read error, once the close event was taken
	werr       error // the sticky write error
	closed     bool  // the transport is closed
	closing    bool  // Close was called
	shook      bool  // the closing handshake completed (both close frames)
	eofWait    bool  // a goroutine waits for the server to close TCP
	eofPending bool  // the transport ended; FeedEOF once rpend is fed
	eofFed     bool
	netErr     error // why the transport ended
	pings      map[string][]chan struct{}
	wbuf       []byte // output being written, owned by the wlock holder

	wlock   chan struct{} // held by the goroutine writing to nc
	writing atomic.Bool   // a data write is in progress
	reading atomic.Bool   // a read is in progress

	// Owned by the goroutine holding reading.
	rbuf    []byte
	rpend   []byte // read from nc, not yet fed
	partial bool   // inside a streamed message whose rest is unread
	rgen    uint64 // which message Reader returned last

	done       chan struct{} // closed when the transport is closed
	closeRecvd chan struct{} // closed when the close event was taken
	lastRead   atomic.Int64  // UnixNano of the last successful read

	dmu      sync.Mutex // guards the deadlines
	rdl, wdl time.Time
}

const (
	readBufSize = 16 << 10
	keepWBuf    = 64 << 10 // a larger write buffer is dropped after use
)

func newConn(nc net.Conn, e *ws.Conn, cfg *Config) *Conn {
	c := &Conn{
		nc:           nc,
		closeTimeout: cfg.closeTimeout(),
		e:            e,
		wlock:        make(chan struct{}, 1),
		done:         make(chan struct{}),
		closeRecvd:   make(chan struct{}),
	}
	c.lastRead.Store(time.Now().UnixNano())
	return c
}

// startKeepAlive runs the keepalive, if configured, once the connection is
// open.
func (c *Conn) startKeepAlive(d time.Duration) {
	if d > 0 {
		go c.keepAlive(d)
	}
}

// Subprotocol returns the negotiated subprotocol, or "".
func (c *Conn) Subprotocol() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.e.Subprotocol()
}

// Extensions returns the negotiated extensions as a
// Sec-WebSocket-Extensions value, e.g. "permessage-deflate", or "".
func (c *Conn) Extensions() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.e.Extensions()
}

// LocalAddr returns the local network address.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// RemoteAddr returns the remote network address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// SetReadDeadline sets the deadline for reads, as net.Conn does; a zero
// time means none. A read that times out returns an error for which
// errors.Is(err, os.ErrDeadlineExceeded) is true and leaves the connection
// usable: bytes already read are kept, and the next read goes on.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.rdl = t
	return c.nc.SetReadDeadline(t)
}

// SetWriteDeadline sets the deadline for writes, as net.Conn does; a zero
// time means none. A write that times out may have sent part of a frame,
// so it closes the connection: later calls fail with that error.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.wdl = t
	return c.nc.SetWriteDeadline(t)
}

// ReadMessage reads the next data message and returns its opcode
// (ws.OpText or ws.OpBinary) and its payload, which the caller owns.
// Pings are answered and pongs matched to Ping while it waits.
//
// When the connection ends it returns a *CloseError: the peer's close
// frame, or a failure of ours (a message over ws.Config.MaxMessageSize is
// Code 1009, Local). After that, and after Close or CloseNow, it returns
// the same error, or one for which errors.Is(err, net.ErrClosed) is true.
//
// If ctx is cancelled or the read deadline passes, it returns ctx.Err() or
// os.ErrDeadlineExceeded (wrapped) and the connection stays usable (unless
// the cancellation cut short a pong the reader was writing: an interrupted
// write closes the connection). With
// ws.Config.Streaming the message is assembled from its chunks, still
// bounded by MaxMessageSize.
func (c *Conn) ReadMessage(ctx context.Context) (ws.Opcode, []byte, error) {
	if err := c.beginRead(); err != nil {
		return 0, nil, err
	}
	defer c.reading.Store(false)
	if err := c.skipPartial(ctx); err != nil {
		return 0, nil, err
	}
	var msg []byte
	op, msg, last, err := c.next(ctx, msg)
	for err == nil && !last {
		c.partial = true
		_, msg, last, err = c.next(ctx, msg)
	}
	if err != nil {
		return 0, nil, err
	}
	c.partial = false
	if msg == nil {
		msg = []byte{}
	}
	return op, msg, nil
}

// Reader returns the next data message's opcode and a reader of its
// payload. With ws.Config.Streaming the payload is read from the network
// as the reader is read, so a message need not fit in memory; without it,
// the message arrives whole first. The reader is valid until the next call
// to Reader or ReadMessage, which discard what is left of it; its Read
// calls count as reads for the concurrency rule.
func (c *Conn) Reader(ctx context.Context) (ws.Opcode, io.Reader, error) {
	if err := c.beginRead(); err != nil {
		return 0, nil, err
	}
	defer c.reading.Store(false)
	if err := c.skipPartial(ctx); err != nil {
		return 0, nil, err
	}
	op, buf, last, err := c.next(ctx, nil)
	if err != nil {
		return 0, nil, err
	}
	c.partial = !last
	c.rgen++
	return op, &messageReader{c: c, ctx: ctx, gen: c.rgen, buf: buf, last: last}, nil
}

// beginRead takes the reader's turn.
func (c *Conn) beginRead() error {
	if c.reading.CompareAndSwap(false, true) {
		return nil
	}
	c.mu.Lock()
	closing := c.closing
	c.mu.Unlock()
	if !closing {
		return ErrConcurrentRead
	}
	// Close is reading the peer's close frame: report what it finds.
	select {
	case <-c.closeRecvd:
	case <-c.done:
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rerr != nil {
		return c.rerr
	}
	return closedError("connection closed")
}

// skipPartial discards the rest of a streamed message that its reader did
// not finish.
func (c *Conn) skipPartial(ctx context.Context) error {
	for c.partial {
		_, _, last, err := c.next(ctx, nil)
		if err != nil {
			return err
		}
		c.partial = !last
	}
	return nil
}

type messageReader struct {
	c    *Conn
	ctx  context.Context
	gen  uint64
	buf  []byte
	off  int
	last bool
}

func (r *messageReader) Read(p []byte) (int, error) {
	c := r.c
	if err := c.beginRead(); err != nil {
		return 0, err
	}
	defer c.reading.Store(false)
	if r.gen != c.rgen {
		return 0, errors.New("wsnet: read from a message reader after the next message was requested")
	}
	for r.off == len(r.buf) {
		if r.last {
			return 0, io.EOF
		}
		var err error
		r.off = 0
		_, r.buf, r.last, err = c.next(r.ctx, r.buf[:0])
		if err != nil {
			return 0, err
		}
		c.partial = !r.last
	}
	n := copy(p, r.buf[r.off:])
	r.off += n
	return n, nil
}

// next returns the next data message or streamed chunk, appended to dst,
// handling every other event on the way. The caller holds the reader's
// turn.
func (c *Conn) next(ctx context.Context, dst []byte) (op ws.Opcode, out []byte, last bool, err error) {
	var ev ws.Event
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		for c.rerr == nil && c.e.TakeEvent(&ev) {
			switch ev.Type {
			case ws.EventText, ws.EventBinary, ws.EventData:
				dst = append(dst, ev.Data...)
				c.tryFlushLocked(ctx)
				return ev.Opcode, dst, ev.Last, nil
			case ws.EventPong:
				c.resolvePingLocked(ev.Data)
			case ws.EventClose:
				c.onCloseLocked(&ev)
			}
		}
		if c.e.OutputLen() > 0 {
			c.tryFlushLocked(ctx) // pongs, close replies
		}
		if c.rerr != nil {
			c.checkHintLocked()
			return 0, dst, false, c.rerr
		}
		if len(c.rpend) > 0 || (c.eofPending && !c.eofFed) {
			c.feedLocked()
			continue
		}
		if c.eofFed || c.closed {
			// The transport is gone and its close event was taken.
			c.rerr = closedError("connection closed")
			continue
		}
		c.mu.Unlock()
		n, rerr := c.readNet(ctx)
		c.mu.Lock()
		c.rpend = c.rbuf[:n]
		if rerr != nil {
			if errors.Is(rerr, os.ErrDeadlineExceeded) || ctx.Err() != nil {
				if n > 0 {
					c.feedLocked() // nothing read is lost
				}
				if ctx.Err() != nil {
					return 0, dst, false, wrap("read", ctx.Err())
				}
				return 0, dst, false, wrap("read", rerr)
			}
			c.eofPending = true
			if c.netErr == nil {
				c.netErr = rerr
			}
		}
		c.feedLocked()
	}
}

// readNet reads from the transport into rbuf, honouring ctx.
func (c *Conn) readNet(ctx context.Context) (int, error) {
	if c.rbuf == nil {
		c.rbuf = make([]byte, readBufSize)
	}
	stop := c.watch(ctx, false)
	n, err := c.nc.Read(c.rbuf)
	stop()
	if n > 0 {
		c.lastRead.Store(time.Now().UnixNano())
	}
	return n, err
}

// feedLocked feeds what was read, then the end of input once it is all in.
func (c *Conn) feedLocked() {
	if len(c.rpend) > 0 {
		if c.eofFed {
			c.rpend = nil
		} else if k, err := c.e.Feed(c.rpend); err != nil {
			c.rpend = nil
		} else {
			c.rpend = c.rpend[k:]
		}
	}
	if len(c.rpend) == 0 && c.eofPending && !c.eofFed {
		c.eofFed = true
		_ = c.e.FeedEOF()
	}
}

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

// awaitEOF reads until the server closes TCP, or the close timeout.
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

// tryFlushLocked writes pending output if no other goroutine is writing;
// if one is, it writes this output too before it lets go.
func (c *Conn) tryFlushLocked(ctx context.Context) {
	if c.e.OutputLen() == 0 {
		return
	}
	select {
	case c.wlock <- struct{}{}:
		_ = c.flushLocked(ctx)
		c.releaseLocked()
	default:
	}
}

// acquire takes the write turn: the right to write to the transport.
func (c *Conn) acquire(ctx context.Context) error {
	select {
	case c.wlock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return wrap("write", ctx.Err())
	case <-c.done:
		return closedError("connection closed")
	}
}

// releaseLocked gives the write turn back. It is done under mu so that
// output queued by a reader that found the turn taken is never stranded:
// the holder flushes until the output is empty, then lets go in the same
// critical section.
func (c *Conn) releaseLocked() {
	<-c.wlock
	c.checkHintLocked()
}

// flushLocked writes the pending output; the caller holds mu and the write
// turn. mu is released while writing.
func (c *Conn) flushLocked(ctx context.Context) error {
	for c.werr == nil && !c.closed && c.e.OutputLen() > 0 {
		out := c.e.Output()
		c.wbuf = append(c.wbuf[:0], out...)
		_ = c.e.Consume(len(out))
		c.mu.Unlock()
		err := c.writeNet(ctx, c.wbuf)
		c.mu.Lock()
		if err != nil {
			// Part of a frame may be out: the stream is unusable. Later
			// calls say so, and match net.ErrClosed.
			c.werr = fmt.Errorf("wsnet: closed after a failed write (%w): %w", err, net.ErrClosed)
			c.closeTransportLocked()
			if cap(c.wbuf) > keepWBuf {
				c.wbuf = nil
			}
			return wrap("write", err)
		}
	}
	if cap(c.wbuf) > keepWBuf {
		c.wbuf = nil
	}
	if c.werr != nil {
		return c.werr
	}
	if c.closed && c.e.OutputLen() > 0 {
		return closedError("connection closed")
	}
	return nil
}

func (c *Conn) writeNet(ctx context.Context, b []byte) error {
	stop := c.watch(ctx, true)
	_, err := c.nc.Write(b)
	stop()
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// aLongTimeAgo is a deadline in the past, which interrupts blocked I/O.
var aLongTimeAgo = time.Unix(1, 0)

// watch makes ctx's cancellation interrupt the transport's blocked read
// (or write) by moving its deadline into the past; the returned function
// ends the watch and puts the caller's deadline back.
func (c *Conn) watch(ctx context.Context, write bool) func() {
	if ctx.Done() == nil {
		return func() {}
	}
	var mu sync.Mutex
	ended := false
	set := func(t time.Time) {
		if write {
			_ = c.nc.SetWriteDeadline(t)
		} else {
			_ = c.nc.SetReadDeadline(t)
		}
	}
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !ended {
			set(aLongTimeAgo)
		}
	})
	return func() {
		if stop() {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		ended = true
		c.dmu.Lock()
		defer c.dmu.Unlock()
		if write {
			set(c.wdl)
		} else {
			set(c.rdl)
		}
	}
}

// send takes the write turn, queues with queue (nil queues nothing) and
// writes the output.
func (c *Conn) send(ctx context.Context, op string, queue func() error) error {
	if err := c.acquire(ctx); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.releaseLocked()
	if c.werr != nil {
		return c.werr
	}
	if c.closed {
		return closedError("connection closed")
	}
	var qerr error
	if queue != nil {
		qerr = queue()
	}
	// Flush even when queue failed: the holder of the write turn writes
	// whatever is pending (a close reply the reader queued, say) before it
	// lets go.
	ferr := c.flushLocked(ctx)
	if qerr != nil {
		return wrap(op, qerr)
	}
	return ferr
}

// WriteMessage sends a whole message: op is ws.OpText (p must be UTF-8)
// or ws.OpBinary. With permessage-deflate it is compressed as
// ws.DeflateConfig says. It returns once the message is written to the
// transport. If ctx is cancelled while waiting for another goroutine's
// write (Ping, Close, a pong), nothing is sent; if it is cancelled, or the
// write deadline passes, during the write, the connection is closed.
//
// A call made while another WriteMessage or Writer is in progress returns
// ErrConcurrentWrite. After a close frame was sent (Close, or the reply to
// the peer's), errors.Is(err, net.ErrClosed) is true.
func (c *Conn) WriteMessage(ctx context.Context, op ws.Opcode, p []byte) error {
	if !c.writing.CompareAndSwap(false, true) {
		return ErrConcurrentWrite
	}
	defer c.writing.Store(false)
	return c.send(ctx, "write", func() error { return c.e.SendMessage(op, p, 0) })
}

// Writer starts a message of type op (ws.OpText or ws.OpBinary) sent in
// fragments: each Write sends one frame, Close sends the final one. The
// data write turn is held until Close: meanwhile WriteMessage and Writer
// return ErrConcurrentWrite; Ping and Close may still be used. ctx applies
// to every Write and to Close.
func (c *Conn) Writer(ctx context.Context, op ws.Opcode) (io.WriteCloser, error) {
	if !c.writing.CompareAndSwap(false, true) {
		return nil, ErrConcurrentWrite
	}
	c.mu.Lock()
	err := c.e.BeginMessage(op, 0)
	c.mu.Unlock()
	if err != nil {
		c.writing.Store(false)
		return nil, wrap("write", err)
	}
	return &messageWriter{c: c, ctx: ctx}, nil
}

type messageWriter struct {
	c    *Conn
	ctx  context.Context
	done bool
}

func (w *messageWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, errors.New("wsnet: write to a closed message writer")
	}
	if len(p) == 0 {
		return 0, nil
	}
	if err := w.c.send(w.ctx, "write", func() error { return w.c.e.SendFragment(p, false) }); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close sends the message's final frame.
func (w *messageWriter) Close() error {
	if w.done {
		return nil
	}
	w.done = true
	defer w.c.writing.Store(false)
	return w.c.send(w.ctx, "write", func() error { return w.c.e.SendFragment(nil, true) })
}

// Ping sends a ping with payload p (at most 125 bytes) and waits for the
// pong that echoes it, or for ctx. Pongs are read by the reader: Ping
// returns only while another goroutine is in ReadMessage or Reader. It may
// be called alongside a writer.
func (c *Conn) Ping(ctx context.Context, p []byte) error {
	ch := make(chan struct{})
	key := string(p)
	c.mu.Lock()
	if c.pings == nil {
		c.pings = make(map[string][]chan struct{})
	}
	c.pings[key] = append(c.pings[key], ch)
	c.mu.Unlock()
	err := c.send(ctx, "ping", func() error { return c.e.Ping(p) })
	if err == nil {
		select {
		case <-ch:
			return nil
		case <-ctx.Done():
			err = wrap("ping", ctx.Err())
		case <-c.closeRecvd:
			err = closedError("closed while waiting for a pong")
		case <-c.done:
			err = closedError("closed while waiting for a pong")
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	chans := c.pings[key]
	for i, x := range chans {
		if x == ch {
			c.pings[key] = append(chans[:i:i], chans[i+1:]...)
			break
		}
	}
	if len(c.pings[key]) == 0 {
		delete(c.pings, key)
	}
	return err
}

// resolvePingLocked wakes the Ping calls waiting for this payload.
func (c *Conn) resolvePingLocked(p []byte) {
	chans, ok := c.pings[string(p)]
	if !ok {
		return
	}
	for _, ch := range chans {
		close(ch)
	}
	delete(c.pings, string(p))
}

// keepAlive pings (ws.Conn.Heartbeat) while nothing arrives.
func (c *Conn) keepAlive(d time.Duration) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		if time.Since(time.Unix(0, c.lastRead.Load())) < d {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), d)
		err := c.send(ctx, "keepalive", c.e.Heartbeat)
		cancel()
		if err != nil {
			return
		}
	}
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
			c.CloseNow()
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
	c.mu.Unlock()
	c.CloseNow()
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
func (c *Conn) CloseNow() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closeTransportLocked()
	return nil
}
