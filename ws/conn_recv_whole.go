package ws

import (
	"encoding/binary"
	"math/bits"
)

// feedWhole is Feed's fast path for the most common input: whole messages
// in single frames (FIN set, no RSV bits, text or binary, a 7- or 16-bit
// length, masked as the role requires, within the limits) lying entirely in
// b. It takes such frames from the start of b and returns how many bytes it
// used.
//
// It stops at the first frame it does not take — anything else, a frame cut
// off by the end of b, invalid UTF-8, an allocation failure — and leaves it
// to the general path (Parser, onData, onControl), which then decides and
// reports exactly as it would have alone. So every rule is still checked
// there, and any split of the input gives the same events: the frames taken
// here are ones the general path would have turned into the same single
// event.
//
// The caller makes sure the parser is between frames and not inside a
// fragmented message, and that frames are still received.
func (c *Conn) feedWhole(b []byte) int {
	var maskBit byte
	hl0 := 2
	if c.role == RoleServer {
		maskBit, hl0 = 0x80, 6 // §5.1: clients mask, servers do not
	}
	maxLen := min(c.p.maxFrame, c.p.maxMessage)
	validate := !c.skipUTF8
	// The receive budget (see room): the first frame is taken while no
	// event is queued, whatever its size.
	left, queued := c.lim.maxQueued-c.held(), c.evHead < len(c.evq)
	used := 0
	for len(b)-used >= 2 {
		if left <= 0 && queued {
			break
		}
		r := b[used:]
		b0, b1 := r[0], r[1]
		if b0 != 0x80|byte(OpText) && b0 != 0x80|byte(OpBinary) || b1&0x80 != maskBit {
			break
		}
		n, hl := int(b1&0x7F), hl0
		if n >= 126 {
			if n == 127 || len(r) < 4 {
				break
			}
			// §5.2: the minimal length encoding (else the general path fails).
			if n = int(binary.BigEndian.Uint16(r[2:4])); n < 126 {
				break
			}
			hl += 2
		}
		if len(r)-hl < n || int64(n) > maxLen {
			break
		}
		dst := c.rx.b[c.rx.n:]
		if len(dst) < n {
			if dst = c.rx.reserve(c.alloc, n); dst == nil {
				break
			}
		}
		dst = dst[:n]
		src := r[hl : hl+n : hl+n]
		ascii := false
		if maskBit != 0 {
			ascii = unmaskASCII(dst, src, binary.LittleEndian.Uint32(r[hl-4:hl]))
		} else {
			copy(dst, src)
		}
		if b0&0xF == byte(OpText) && validate && !ascii {
			// §8.1; the general path finds the offending byte.
			var u utf8State
			if u.feed(dst) >= 0 || !u.complete() {
				break
			}
		}
		// Text (1) and binary (2) map to EventText (4) and EventBinary (5).
		// The record is written in place: an appended literal was built
		// on the stack byte by byte and copied in 16-byte loads, which
		// stalled on store forwarding.
		op := Opcode(b0 & 0xF)
		if len(c.evq) == cap(c.evq) {
			c.evq = append(c.evq, evRec{})
		} else {
			c.evq = c.evq[:len(c.evq)+1]
		}
		e := &c.evq[len(c.evq)-1]
		e.typ, e.op, e.rsv, e.flags, e.init, e.inCx, e.code = EventType(op+3), op, 0, evFirst|evLast, 0, false, 0
		e.off, e.n = c.rx.n, n
		c.rx.n += n
		c.p.msgLen = int64(n)
		used += hl + n
		left -= n + evRecSize
		queued = true
	}
	c.rx.peak = max(c.rx.peak, c.rx.n)
	return used
}

// unmaskASCII writes src XOR the key k (as the little-endian load of its 4
// bytes, key offset 0) into dst, which does not overlap src, and reports
// whether the result is all ASCII.
func unmaskASCII(dst, src []byte, k uint32) bool {
	n := len(src)
	if n > maskSmall {
		return maskLong(dst, src, k)
	}
	dst = dst[:n]
	k64 := uint64(k) * 0x1_0000_0001
	var or uint64
	switch {
	case n >= 16:
		kt := bits.RotateLeft64(k64, -8*(n&3))
		a := binary.LittleEndian.Uint64(src) ^ k64
		b := binary.LittleEndian.Uint64(src[8:]) ^ k64
		c := binary.LittleEndian.Uint64(src[n-16:]) ^ kt
		d := binary.LittleEndian.Uint64(src[n-8:]) ^ kt
		binary.LittleEndian.PutUint64(dst, a)
		binary.LittleEndian.PutUint64(dst[8:], b)
		binary.LittleEndian.PutUint64(dst[n-16:], c)
		binary.LittleEndian.PutUint64(dst[n-8:], d)
		or = a | b | c | d
	case n >= 8:
		a := binary.LittleEndian.Uint64(src) ^ k64
		d := binary.LittleEndian.Uint64(src[n-8:]) ^ bits.RotateLeft64(k64, -8*(n&3))
		binary.LittleEndian.PutUint64(dst, a)
		binary.LittleEndian.PutUint64(dst[n-8:], d)
		or = a | d
	case n >= 4:
		a := binary.LittleEndian.Uint32(src) ^ k
		d := binary.LittleEndian.Uint32(src[n-4:]) ^ uint32(bits.RotateLeft64(k64, -8*(n&3)))
		binary.LittleEndian.PutUint32(dst, a)
		binary.LittleEndian.PutUint32(dst[n-4:], d)
		or = uint64(a | d)
	default:
		for i := range src {
			x := src[i] ^ byte(k)
			dst[i] = x
			or |= uint64(x)
			k >>= 8
		}
	}
	return or&utf8HiBits == 0
}
