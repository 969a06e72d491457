package ws

import (
	"bytes"
	"sync"
)

// deflater compresses one connection's outgoing messages (RFC 7692 §7.2.1).
type deflater struct {
	pool     *encoderPool
	small    *encoderPool // without takeover: lzEncoders for small messages (lzSmallMessage)
	bits     int
	takeover bool
	minSize  int
	hist     window   // with context takeover: the last 2^bits bytes sent
	enc      *encoder // the encoder used last (may since belong to another connection)
	gen      uint64
	cur      *encoder // held while a message is being compressed
}

func newDeflater(level, bits int, takeover bool, minSize int) *deflater {
	d := &deflater{pool: getEncoderPool(level, bits, usesLZEncoder(level, takeover)), bits: bits, takeover: takeover, minSize: minSize}
	if !takeover && level >= 4 {
		d.small = getEncoderPool(level, bits, true)
	}
	return d
}

// lzSmallMessage: without context takeover, messages sent whole up to this
// size are compressed by lzEncoder, which never spends a stored block on a
// tiny one and builds a small message's Huffman code quickly; larger ones
// by klauspost's fast encoder. Each message is a stream of its own then
// (RFC 7692 §7.2.3.3 does not apply), so either may be used.
const lzSmallMessage = 1 << 10

// begin starts compressing a message. Without context takeover the encoder
// is chosen at the first write, which tells whether the message is small.
func (d *deflater) begin() {
	if d.small != nil {
		d.cur = nil
		return
	}
	d.acquire(d.pool)
}

// acquire takes an encoder from p for the current message.
func (d *deflater) acquire(p *encoderPool) {
	e, fresh := p.get(d)
	if fresh || !d.takeover {
		var dict []byte
		if d.takeover {
			dict = d.hist.bytes()
		}
		// ResetDict, never Reset: Reset would re-prime with whatever dictionary
		// the writer saw last, which may be another connection's.
		e.w.ResetDict(&e.out, dict)
	}
	d.cur = e
}

// write compresses p as the next part of the current message and returns
// the compressed bytes for one frame, valid until the next write or end.
// With final set, the 00 00 ff ff that ends the sync flush is removed
// (§7.2.1); earlier fragments keep theirs, which is harmless to decoders.
func (d *deflater) write(p []byte, final bool) ([]byte, error) {
	d.choose(p, final)
	e := d.cur
	e.out.b = e.out.b[:0]
	if err := d.compress(p); err != nil {
		return nil, err
	}
	out := e.out.b
	if final && bytes.HasSuffix(out, deflateTail[:4]) {
		out = out[:len(out)-4]
	}
	return out, nil
}

// writeTo is write with the output appended to tx, from a, instead of the
// encoder's own buffer; it returns the number of bytes appended.
func (d *deflater) writeTo(tx *buffer, a Allocator, p []byte, final bool) (int, error) {
	d.choose(p, final)
	e := d.cur
	e.out.tx, e.out.a = tx, a
	from := tx.n
	err := d.compress(p)
	e.out.tx, e.out.a = nil, nil
	if err != nil {
		tx.n = from
		return 0, err
	}
	if final && tx.n-from >= 4 && bytes.Equal(tx.b[tx.n-4:tx.n], deflateTail[:4]) {
		tx.n -= 4
	}
	return tx.n - from, nil
}

// choose takes the encoder at the first write of a message without
// context takeover: see lzSmallMessage.
func (d *deflater) choose(p []byte, final bool) {
	if d.cur != nil {
		return
	}
	if final && len(p) <= lzSmallMessage {
		d.acquire(d.small)
	} else {
		d.acquire(d.pool)
	}
}

// compress feeds p to the encoder and flushes it (a sync flush, §7.2.1).
// On failure nothing of p reaches the peer, whose decoder is at a block
// boundary after what it has: the encoder restarts there, primed with the
// history (with context takeover the window of everything sent so far,
// this message's fragments included), so the message can go on or a new
// one start. A fresh stream of blocks is a valid continuation (RFC 1951
// §3.2.3); only back-references need the shared window.
func (d *deflater) compress(p []byte) error {
	e := d.cur
	var err error
	if len(p) > 0 {
		_, err = e.w.Write(p)
	}
	if err == nil {
		err = e.w.Flush()
	}
	if err != nil {
		var dict []byte
		if d.takeover {
			dict = d.hist.bytes()
		}
		e.w.ResetDict(&e.out, dict)
		if ws, ok := err.(*Error); ok {
			return ws
		}
		return &Error{Code: CodeInternal, Msg: "deflate: " + err.Error()}
	}
	if d.takeover {
		d.hist.append(p, 1<<d.bits)
	}
	return nil
}

// end finishes the message and lends the encoder back to the pool.
func (d *deflater) end() {
	if d.cur != nil {
		d.cur.pool.put(d.cur)
		d.cur = nil
	}
}

// memory returns the bytes this connection holds for compression.
func (d *deflater) memory() int { return d.hist.memory() }

// inflater decompresses one connection's incoming messages (§7.2.2).
type inflater struct {
	window   int // history kept for context takeover
	takeover bool
	hist     window        // with context takeover: the end of the messages before
	st       inflateStream // the message being inflated
	mh       *[]byte       // streaming: the window of the message so far (see slide)
}

// maxWindow is the farthest a DEFLATE distance reaches (RFC 1951 §3.2.5).
const maxWindow = 32 << 10

// windowPool lends the windows of messages being streamed: twice the
// window, so that sliding copies a window once per window of output.
var windowPool = sync.Pool{New: func() any { b := make([]byte, 0, 2*maxWindow); return &b }}

// begin starts a new message.
func (f *inflater) begin() {
	f.st.reset()
	f.dropWindow()
}

// dropWindow returns the streaming window.
func (f *inflater) dropWindow() {
	if f.mh != nil {
		*f.mh = (*f.mh)[:0]
		windowPool.Put(f.mh)
		f.mh = nil
	}
}

// slide appends p, output of the message being streamed, to its window:
// what the distances of its next part may reach, since the earlier parts
// were handed out and may be gone from the receive buffer. With context
// takeover the window starts with the history of the messages before.
func (f *inflater) slide(p []byte) {
	if f.mh == nil {
		f.mh = windowPool.Get().(*[]byte)
		if f.takeover {
			*f.mh = append((*f.mh)[:0], f.hist.bytes()...)
		}
	}
	h := *f.mh
	switch {
	case len(p) >= maxWindow:
		h = append(h[:0], p[len(p)-maxWindow:]...)
	case len(h)+len(p) > cap(h):
		keep := maxWindow - len(p)
		h = h[:copy(h, h[len(h)-keep:])]
		fallthrough
	default:
		h = append(h, p...)
	}
	*f.mh = h
}

// before returns what precedes the next output of the current message.
func (f *inflater) before() []byte {
	switch {
	case f.mh != nil:
		return *f.mh
	case f.takeover:
		return f.hist.bytes()
	}
	return nil
}

// end finishes a message whose output ends with msg (nil when streaming:
// the window has it), keeping the history for context takeover.
func (f *inflater) end(msg []byte) {
	if f.takeover {
		if f.mh != nil {
			// The window starts with the old history: replace it.
			f.hist.reset()
			f.hist.append(*f.mh, f.window)
		} else {
			f.hist.append(msg, f.window)
		}
	}
	f.begin()
}

func newInflater(bits int, takeover bool) *inflater {
	// zlib cannot compress with an 8-bit window and silently uses 9 bits, so
	// peers built on it exceed an agreed 8; keeping 512 bytes of history
	// lets us read them at a cost of 256 bytes.
	if bits < 9 {
		bits = 9
	}
	return &inflater{window: 1 << bits, takeover: takeover}
}

// inflate decompresses a whole message's payload into out, returning the
// number of bytes appended. body must end with deflateTail (appended by
// the caller, who owns a buffer with room for it) unless tail is set. It stops with 1009 as
// soon as the output would pass max, so a small bomb cannot make large
// allocations; with utf8 non-nil it validates text as it is produced and
// stops soon after the first bad byte (see inflateMessage).
//
// With tail set, body is a whole payload without deflateTail: it is fed
// first and the tail after it, so that no copy of the payload is made.
func (f *inflater) inflate(body []byte, tail bool, out *buffer, a Allocator, max int64, utf8 *utf8State) (int, error) {
	var dict []byte
	if f.takeover {
		dict = f.hist.bytes()
	}
	start := out.n
	f.begin()
	o := inflateOut{out: out, a: a, hist: dict, start: start, limit: max, utf8: utf8}
	_, _, err := f.st.inflate(body, tail, o)
	if err == nil && tail {
		_, _, err = f.st.inflate(deflateTail, false, o)
	}
	f.st.reset()
	if err != nil {
		return out.n - start, err
	}
	if f.takeover {
		f.hist.append(out.b[start:out.n], f.window)
	}
	return out.n - start, nil
}

func (f *inflater) memory() int {
	n := f.hist.memory() + f.st.memory()
	if f.mh != nil {
		n += cap(*f.mh)
	}
	return n
}
