package wsnet

import (
	"context"
	"errors"
	"io"
	"os"
	"time"

	"github.com/libws/libws/ws"
)

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
