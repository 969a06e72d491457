package ws

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
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
	if c.role == RoleServer {
		maskBit = 0x80 // §5.1: clients mask, servers do not
	}
	maxLen := min(c.p.maxFrame, c.p.maxMessage)
	// Text is checked unless skipUTF8; the check is skipped by comparing
	// the opcode with one no frame taken here has.
	textOp := byte(OpText)
	if c.skipUTF8 {
		textOp = 0xFF
	}
	// The receive budget (see room): the first frame is taken while no
	// event is queued, whatever its size.
	left := c.lim.maxQueued - c.held()
	if c.evHead == len(c.evq) {
		left = max(left, 1)
	}
	// The loop keeps few values live (r, not b and an offset; the buffers'
	// fields in locals, stored back once): with more, it spilled registers
	// and reloaded them in its dependency chain.
	rxb, rxn, evq := c.rx.b, c.rx.n, c.evq
	r := b
	for len(r) >= 2 && left > 0 {
		b0, b1 := r[0], r[1]
		if b0 != 0x80|byte(OpText) && b0 != 0x80|byte(OpBinary) || b1&0x80 != maskBit {
			break
		}
		n, hl := int(b1&0x7F), 2+int(maskBit>>5) // 2, or 6 with a key
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
		if len(rxb)-rxn < n {
			c.rx.n = rxn
			if c.rx.reserve(c.alloc, n) == nil {
				break
			}
			rxb = c.rx.b
		}
		dst := rxb[rxn : rxn+n]
		src := r[hl : hl+n : hl+n]
		ascii := false
		if maskBit != 0 {
			k := binary.LittleEndian.Uint32(r[hl-4 : hl])
			if n >= 8 && n <= 16 {
				// Two overlapping words, here rather than in a call:
				// chat-sized messages are the most common.
				k64 := uint64(k) * 0x1_0000_0001
				a := binary.LittleEndian.Uint64(src) ^ k64
				z := binary.LittleEndian.Uint64(src[n-8:]) ^ bits.RotateLeft64(k64, -8*(n&3))
				binary.LittleEndian.PutUint64(dst, a)
				binary.LittleEndian.PutUint64(dst[n-8:], z)
				ascii = (a|z)&utf8HiBits == 0
			} else {
				ascii = unmaskASCII(dst, src, k)
			}
		} else {
			copy(dst, src)
		}
		if b0&0xF == textOp && !ascii {
			// §8.1; the general path finds the offending byte.
			var u utf8State
			if u.feed(dst) >= 0 || !u.complete() {
				break
			}
		}
		if len(evq) == cap(evq) {
			evq = append(evq, evRec{})
		} else {
			evq = evq[:len(evq)+1]
		}
		// Text (1) and binary (2) map to EventText (4) and EventBinary (5).
		// The record's head is one word (recHead), stored whole: field by
		// field took nine stores, and a literal copied in 16-byte loads
		// stalled on store forwarding.
		op := uint64(b0 & 0xF)
		e := &evq[len(evq)-1]
		*(*recHead)(unsafe.Pointer(e)) = recHead((op + 3) | op<<8 | uint64(evFirst|evLast)<<24)
		e.off, e.n = rxn, n
		rxn += n
		r = r[hl+n:]
		left -= n + evRecSize
	}
	if len(evq) > len(c.evq) {
		c.p.msgLen = int64(evq[len(evq)-1].n)
	}
	c.rx.n, c.evq = rxn, evq
	used := len(b) - len(r)
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
