package ws

import (
	"encoding/binary"
	"math/bits"
)

// Masking (RFC 6455 §5.3): octet i of the payload is XORed with octet
// i mod 4 of the masking key. pos is the payload offset modulo 4 at which b
// starts, so a payload can be (un)masked in pieces; the functions return the
// position after b.

// MaskBytes XORs b in place with key, starting at key offset pos (0..3), and
// returns the key offset following b. Applying it twice restores b.
func MaskBytes(key [4]byte, pos int, b []byte) int {
	return maskCopy(b, b, key, pos)
}

// MaskCopy writes src XOR key into dst (which must be at least as long as
// src and may be src itself), starting at key offset pos, and returns the
// key offset following src. Copy and mask in one pass: payloads are read
// from the host's buffer once and never modified there.
func MaskCopy(dst, src []byte, key [4]byte, pos int) int {
	return maskCopy(dst, src, key, pos)
}

// maskCopy is the portable implementation: eight bytes per step, 32 per
// loop iteration, with the key widened and rotated to the start position.
func maskCopy(dst, src []byte, key [4]byte, pos int) int {
	n := len(src)
	if n == 0 {
		return pos & 3
	}
	dst = dst[:n]
	pos &= 3
	k32 := binary.LittleEndian.Uint32(key[:])
	// Rotate so that byte 0 of the word lines up with key[pos].
	k32 = bits.RotateLeft32(k32, -8*pos)
	i := 0
	if n >= 8 {
		k64 := uint64(k32) | uint64(k32)<<32
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
	}
	// i is a multiple of 8 here, so the key is still aligned to byte 0.
	for ; i < n; i++ {
		dst[i] = src[i] ^ byte(k32>>(8*(i&3)))
	}
	return (pos + n) & 3
}
