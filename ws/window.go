package ws

// window keeps the last bytes of a stream for context takeover (RFC 7692
// §7.2.3.2): what the next message's back-references may reach. Its buffer
// has room beyond the window, so that appending a short message moves the
// kept bytes only once per that much room, not per message: the copy of a
// 32 KiB window behind every 200-byte message was most of the cost of
// inflating small messages.
type window struct {
	buf []byte // the window is buf[off:]
	off int
}

// windowSlack is the room beyond a window of max bytes: a sixteenth, so a
// kept byte is moved once per max/16 bytes appended, for 2 KiB more memory
// per direction at 15 bits.
func windowSlack(max int) int { return max / 16 }

// bytes returns the window (valid until the next append or reset).
func (w *window) bytes() []byte { return w.buf[w.off:] }

// reset empties the window, keeping its buffer.
func (w *window) reset() { w.buf, w.off = w.buf[:0], 0 }

// memory returns the bytes the window's buffer holds.
func (w *window) memory() int { return cap(w.buf) }

// append adds p, keeping only the last max bytes.
func (w *window) append(p []byte, max int) {
	if len(p) >= max {
		w.fit(max)
		w.buf, w.off = append(w.buf[:0], p[len(p)-max:]...), 0
		return
	}
	keep := min(len(w.buf)-w.off, max-len(p)) // of the window, what stays
	if len(w.buf)+len(p) > cap(w.buf) {
		// Out of room: move what stays to the front.
		w.fit(max)
		n := copy(w.buf[:cap(w.buf)], w.buf[len(w.buf)-keep:])
		w.buf, w.off = w.buf[:n], 0
	} else {
		w.off = len(w.buf) - keep
	}
	w.buf = append(w.buf, p...)
}

// fit makes sure the buffer can hold max bytes and the slack (once: the
// first message that needs it; the window never needs more).
func (w *window) fit(max int) {
	if want := max + windowSlack(max); cap(w.buf) < want {
		nb := make([]byte, len(w.buf), want)
		copy(nb, w.buf)
		w.buf = nb
	}
}
