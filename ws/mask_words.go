package ws

import (
	"encoding/binary"
	"math/bits"
)

// maskWords is the portable loop for buffers longer than maskSmall (at least
// 8 bytes): 32 bytes per iteration as four 64-bit words (Go does not
// vectorise), then single words, then one last word overlapping the previous
// ones instead of a byte loop. k is the key already rotated to src[0].
func maskWords(dst, src []byte, k uint32) {
	n := len(src)
	dst = dst[:n]
	k64 := uint64(k) * 0x1_0000_0001
	// Load the last word before any store: dst may be src.
	last := binary.LittleEndian.Uint64(src[n-8:])
	i := 0
	for ; i+32 <= n; i += 32 {
		s := src[i : i+32 : i+32]
		d := dst[i : i+32 : i+32]
		binary.LittleEndian.PutUint64(d[0:], binary.LittleEndian.Uint64(s[0:])^k64)
		binary.LittleEndian.PutUint64(d[8:], binary.LittleEndian.Uint64(s[8:])^k64)
		binary.LittleEndian.PutUint64(d[16:], binary.LittleEndian.Uint64(s[16:])^k64)
		binary.LittleEndian.PutUint64(d[24:], binary.LittleEndian.Uint64(s[24:])^k64)
	}
	for ; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(dst[i:], binary.LittleEndian.Uint64(src[i:])^k64)
	}
	binary.LittleEndian.PutUint64(dst[n-8:], last^bits.RotateLeft64(k64, -8*(n&3)))
}
