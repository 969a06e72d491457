package wsnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net"
	"sync"

	"github.com/libws/libws/ws"
)

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
// turn. mu is released while writing, so the bytes are first copied out of
// ws's output (a view valid only until the next call on the ws.Conn, which
// the reader may make meanwhile): into the connection's own buffer up to
// keepWBuf, into a pooled one above, at most writeChunk at a time.
func (c *Conn) flushLocked(ctx context.Context) error {
	for c.werr == nil && !c.closed && c.e.OutputLen() > 0 {
		out := c.e.Output()
		if len(out) > writeChunk {
			out = out[:writeChunk]
		}
		var big *[]byte
		buf := c.wbuf[:0]
		if len(out) > keepWBuf {
			big = getBigBuf(len(out))
			buf = (*big)[:0]
		}
		buf = append(buf, out...)
		if big == nil {
			c.wbuf = buf
		}
		_ = c.e.Consume(len(out))
		c.mu.Unlock()
		err := c.writeNet(ctx, buf)
		if big != nil {
			putBigBuf(big)
		}
		c.mu.Lock()
		if err != nil {
			// Part of a frame may be out: the stream is unusable. Later
			// calls say so, and match net.ErrClosed.
			c.werr = fmt.Errorf("wsnet: closed after a failed write (%w): %w", err, net.ErrClosed)
			c.closeTransportLocked()
			return wrap("write", err)
		}
	}
	if c.werr != nil {
		return c.werr
	}
	if c.closed && c.e.OutputLen() > 0 {
		return closedError("connection closed")
	}
	return nil
}

// bigBufs pools the write buffers of outputs over keepWBuf, by size class:
// bigBufs[i] holds buffers of 1<<(i+17) bytes, 128 KiB to writeChunk.
var bigBufs [6]sync.Pool

func getBigBuf(n int) *[]byte {
	k := bits.Len(uint(n - 1)) // 1<<k >= n
	if p, _ := bigBufs[k-17].Get().(*[]byte); p != nil {
		return p
	}
	b := make([]byte, 1<<k)
	return &b
}

func putBigBuf(p *[]byte) { bigBufs[bits.Len(uint(cap(*p)-1))-17].Put(p) }

func (c *Conn) writeNet(ctx context.Context, b []byte) error {
	stop := c.watch(ctx, true)
	_, err := c.nc.Write(b)
	stop()
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
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
