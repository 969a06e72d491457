package ws

import (
	"encoding/binary"
	"math/bits"
)

// maskWords is the portable loop for buffers longer than maskSmall (at least
// 8 bytes): 32 bytes per iteration as four 64-bit words (Go does not
// vectorise), then single words, then one last word overlapping the previous
// ones instead of a byte loop. k is the key already rotated to src[0]. It
// reports whether the output is all ASCII.
func maskWords(dst, src []byte, k uint32) (ascii bool) {
	n := len(src)
	dst = dst[:n]
	k64 := uint64(k) * 0x1_0000_0001
	// Load the last word before any store: dst may be src.
	last := binary.LittleEndian.Uint64(src[n-8:]) ^ bits.RotateLeft64(k64, -8*(n&3))
	or := last
	i := 0
	for ; i+32 <= n; i += 32 {
		s := src[i : i+32 : i+32]
		d := dst[i : i+32 : i+32]
		a := binary.LittleEndian.Uint64(s[0:]) ^ k64
		b := binary.LittleEndian.Uint64(s[8:]) ^ k64
		c := binary.LittleEndian.Uint64(s[16:]) ^ k64
		e := binary.LittleEndian.Uint64(s[24:]) ^ k64
		binary.LittleEndian.PutUint64(d[0:], a)
		binary.LittleEndian.PutUint64(d[8:], b)
		binary.LittleEndian.PutUint64(d[16:], c)
		binary.LittleEndian.PutUint64(d[24:], e)
		or |= a | b | c | e
	}
	for ; i+8 <= n; i += 8 {
		a := binary.LittleEndian.Uint64(src[i:]) ^ k64
		binary.LittleEndian.PutUint64(dst[i:], a)
		or |= a
	}
	binary.LittleEndian.PutUint64(dst[n-8:], last)
	return or&utf8HiBits == 0
}
