package ws

import "sync"

// inflateScratch: masked compressed input is unmasked a piece at a time
// into a borrowed buffer this big and inflated from there, so that no copy
// of a compressed message is kept (a client's unmasked input is inflated
// where it lies).
const inflateScratch = 16 << 10

var scratchPool = sync.Pool{New: func() any { return new([inflateScratch]byte) }}

// inflateSegment inflates a segment of a compressed message as it arrives
// (RFC 7692 §7.2.2), so that a deflate bomb costs the message limit and a
// window, not the compressed message besides. When streaming, it queues
// the output as a chunk, and stops once the receive budget is full; it
// returns how many bytes at the end of seg.Data it left.
func (c *Conn) inflateSegment(seg *Segment) int {
	data := seg.Data
	h := &seg.Header
	if !c.streaming && seg.Start && seg.End && h.Fin && len(data) <= inflateScratch-len(deflateTail) {
		return c.inflateWhole(seg)
	}
	var sc *[inflateScratch]byte
	if h.Masked {
		sc = scratchPool.Get().(*[inflateScratch]byte)
	}
	pos := seg.MaskPos
	paused := false
	for len(data) > 0 {
		in := data
		if sc != nil {
			k := min(len(data), inflateScratch)
			if c.streaming {
				// Unmask about what the budget's room may take (inflated
				// data is rarely smaller than its input), not 16 KiB for
				// a call that stops after a few symbols.
				k = min(k, max(c.lim.maxQueued-c.held(), 0)+256)
			}
			in = sc[:k]
			maskCopy(in, data[:k], h.Mask, pos)
		}
		used, err := c.inflatePart(in, true)
		if err != nil {
			c.fail(err)
			data = nil
			break
		}
		data = data[used:]
		pos = (pos + used) & 3
		if paused = used < len(in) || c.streaming && c.held() >= c.lim.maxQueued; paused {
			break
		}
	}
	if sc != nil {
		scratchPool.Put(sc)
	}
	if c.streaming && c.failure == nil && (paused || !c.perFrame) {
		c.emitChunk(false)
	}
	return len(data)
}

// inflateWhole inflates a small message that is all in one segment, the
// common case, in one call: its payload and the tail go to the scratch
// buffer (unmasked), and the stream is finished there.
func (c *Conn) inflateWhole(seg *Segment) int {
	sc := scratchPool.Get().(*[inflateScratch]byte)
	n := len(seg.Data)
	if seg.Header.Masked {
		maskCopy(sc[:n], seg.Data, seg.Header.Mask, seg.MaskPos)
	} else {
		copy(sc[:n], seg.Data)
	}
	n += copy(sc[n:], deflateTail)
	if _, err := c.inflatePart(sc[:n], false); err != nil {
		c.fail(err)
	}
	scratchPool.Put(sc)
	c.msg.tailDone = true
	return 0
}

// inflatePart inflates in, the next part of the current message (the last
// part when more is false). Whole messages are inflated in place, their
// output contiguous from msg.emit; streamed ones from the end of rx, with
// the inflater's sliding window for what came before.
func (c *Conn) inflatePart(in []byte, more bool) (int, error) {
	m, f := &c.msg, c.infl
	o := inflateOut{out: &c.rx, a: c.alloc, start: m.emit, limit: c.lim.maxMessage}
	if m.op == OpText && !c.skipUTF8 {
		o.utf8 = &m.utf8
	}
	if f.takeover {
		o.hist = f.hist.bytes()
	}
	if c.streaming {
		o.start, o.base, o.hist = c.rx.n, m.size, f.before()
		if more {
			o.stop = c.rx.n + max(c.lim.maxQueued-c.held(), 1)
		}
	}
	from := c.rx.n
	used, _, err := f.st.inflate(in, more, o)
	if c.streaming {
		m.size += int64(c.rx.n - from)
		if err == nil {
			f.slide(c.rx.b[from:c.rx.n])
		}
	}
	return used, err
}

// finishInflate inflates the end of the message (§7.2.2: the stream ends
// with the sync flush's tail, which the sender removed) and keeps the
// history for context takeover.
func (c *Conn) finishInflate() error {
	if !c.msg.tailDone {
		if _, err := c.inflatePart(deflateTail, false); err != nil {
			return err
		}
	}
	if c.streaming {
		c.infl.end(nil)
	} else {
		c.infl.end(c.rx.b[c.msg.emit:c.rx.n])
	}
	return nil
}
