package ws

import (
	"bytes"
)

// deflater compresses one connection's outgoing messages (RFC 7692 §7.2.1).
type deflater struct {
	pool     *encoderPool
	bits     int
	takeover bool
	minSize  int
	hist     []byte   // with context takeover: the last 2^bits bytes sent
	enc      *encoder // the encoder used last (may since belong to another connection)
	gen      uint64
	cur      *encoder // held while a message is being compressed
}

func newDeflater(level, bits int, takeover bool, minSize int) *deflater {
	return &deflater{pool: getEncoderPool(level, bits), bits: bits, takeover: takeover, minSize: minSize}
}

// begin starts compressing a message.
func (d *deflater) begin() {
	e, fresh := d.pool.get(d)
	if fresh || !d.takeover {
		var dict []byte
		if d.takeover {
			dict = d.hist
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
	e := d.cur
	e.out.b = e.out.b[:0]
	if len(p) > 0 {
		if _, err := e.w.Write(p); err != nil {
			return nil, &Error{Code: CodeInternal, Msg: "deflate: " + err.Error()}
		}
	}
	if err := e.w.Flush(); err != nil {
		return nil, &Error{Code: CodeInternal, Msg: "deflate: " + err.Error()}
	}
	out := e.out.b
	if final && bytes.HasSuffix(out, deflateTail[:4]) {
		out = out[:len(out)-4]
	}
	if d.takeover {
		d.hist = appendWindow(d.hist, p, 1<<d.bits)
	}
	return out, nil
}

// end finishes the message and lends the encoder back to the pool.
func (d *deflater) end() {
	if d.cur != nil {
		d.pool.put(d.cur)
		d.cur = nil
	}
}

// memory returns the bytes this connection holds for compression.
func (d *deflater) memory() int { return cap(d.hist) }

// inflater decompresses one connection's incoming messages (§7.2.2).
type inflater struct {
	window   int // history kept for context takeover
	takeover bool
	hist     []byte
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
// the caller, who owns a buffer with room for it). It stops with 1009 as
// soon as the output would pass max, so a small bomb cannot make large
// allocations; with utf8 non-nil it validates text as it is produced and
// stops soon after the first bad byte (see inflateMessage).
func (f *inflater) inflate(body []byte, out *buffer, a Allocator, max int64, utf8 *utf8State) (int, error) {
	var dict []byte
	if f.takeover {
		dict = f.hist
	}
	start := out.n
	if err := inflateMessage(body, dict, out, a, max, utf8); err != nil {
		return out.n - start, err
	}
	if f.takeover {
		f.hist = appendWindow(f.hist, out.b[start:out.n], f.window)
	}
	return out.n - start, nil
}

func (f *inflater) memory() int { return cap(f.hist) }

// appendWindow appends p to h, keeping only the last max bytes.
func appendWindow(h, p []byte, max int) []byte {
	if len(p) >= max {
		if cap(h) < max {
			h = make([]byte, 0, max)
		}
		return append(h[:0], p[len(p)-max:]...)
	}
	if cap(h) < max {
		nh := make([]byte, len(h), max)
		copy(nh, h)
		h = nh
	}
	if over := len(h) + len(p) - max; over > 0 {
		copy(h, h[over:])
		h = h[:len(h)-over]
	}
	return append(h, p...)
}
