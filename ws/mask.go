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

// MaskCopy writes src XOR key into dst, starting at key offset pos, and
// returns the key offset following src. dst must be at least as long as src;
// it may be src itself but must not otherwise overlap it. Copy and mask in one pass: payloads are read
// from the host's buffer once and never modified there.
func MaskCopy(dst, src []byte, key [4]byte, pos int) int {
	return maskCopy(dst, src, key, pos)
}

// maskSmall is the longest input masked without a loop; most frames (chat,
// pings, small JSON) fit, and they dominate by count.
const maskSmall = 32

// maskCopy masks src into dst; dst is either src itself or does not overlap
// it. The key is rotated once so that its low byte lines up with key[pos];
// after that no path depends on pos.
//
// Up to maskSmall bytes are done here, without a loop or a further call, as
// two or four overlapping words. Every word is loaded before the first store
// (dst may be src); the words that end at n use the key rotated to their
// start.
func maskCopy(dst, src []byte, key [4]byte, pos int) int {
	pos &= 3
	n := len(src)
	k := bits.RotateLeft32(binary.LittleEndian.Uint32(key[:]), -8*pos)
	if n > maskSmall {
		maskLong(dst, src, k)
		return (pos + n) & 3
	}
	dst = dst[:n]
	k64 := uint64(k) * 0x1_0000_0001
	switch {
	case n >= 16:
		kt := bits.RotateLeft64(k64, -8*(n&3))
		a := binary.LittleEndian.Uint64(src)
		b := binary.LittleEndian.Uint64(src[8:])
		c := binary.LittleEndian.Uint64(src[n-16:])
		d := binary.LittleEndian.Uint64(src[n-8:])
		binary.LittleEndian.PutUint64(dst, a^k64)
		binary.LittleEndian.PutUint64(dst[8:], b^k64)
		binary.LittleEndian.PutUint64(dst[n-16:], c^kt)
		binary.LittleEndian.PutUint64(dst[n-8:], d^kt)
	case n >= 8:
		a := binary.LittleEndian.Uint64(src)
		d := binary.LittleEndian.Uint64(src[n-8:])
		binary.LittleEndian.PutUint64(dst, a^k64)
		binary.LittleEndian.PutUint64(dst[n-8:], d^bits.RotateLeft64(k64, -8*(n&3)))
	case n >= 4:
		a := binary.LittleEndian.Uint32(src)
		d := binary.LittleEndian.Uint32(src[n-4:])
		binary.LittleEndian.PutUint32(dst, a^k)
		binary.LittleEndian.PutUint32(dst[n-4:], d^bits.RotateLeft32(k, -8*(n&3)))
	default:
		for i := range src {
			dst[i] = src[i] ^ byte(k)
			k >>= 8
		}
	}
	return (pos + n) & 3
}
