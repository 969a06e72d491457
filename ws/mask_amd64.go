//go:build amd64 && !purego

package ws

import "golang.org/x/sys/cpu"

// SSE2 is part of every amd64 CPU. AVX2 halves the number of stores, the
// limit while the buffer sits in L1 (1.2-1.5x faster than SSE2 at 1-16 KiB
// on our machine, no gain from L2 on); below maskAVX2Min it gains nothing.
var maskUseAVX2 = cpu.X86.HasAVX2

const maskAVX2Min = 256

// maskLong masks buffers longer than maskSmall; k is the rotated key. It
// reports whether the output is all ASCII.
func maskLong(dst, src []byte, k uint32) (ascii bool) {
	n := len(src)
	dst = dst[:n]
	k64 := uint64(k) * 0x1_0000_0001
	if n >= maskAVX2Min && maskUseAVX2 {
		return maskAVX2(&dst[0], &src[0], n, k64) == 0
	}
	return maskSSE2(&dst[0], &src[0], n, k64) == 0
}

// maskSSE2 masks n >= 16 bytes from src to dst with the 8-byte key pattern
// k64 (the rotated key twice). dst is src or does not overlap it. hi is 0
// when every output byte is ASCII.
//
//go:noescape
func maskSSE2(dst, src *byte, n int, k64 uint64) (hi int)

// maskAVX2 is maskSSE2 with 32-byte vectors; n >= 32.
//
//go:noescape
func maskAVX2(dst, src *byte, n int, k64 uint64) (hi int)

// maskAVX2Src is maskAVX2 that ORs what it reads rather than what it
// writes; dst does not overlap src.
//
//go:noescape
func maskAVX2Src(dst, src *byte, n int, k64 uint64) (hi int)

// maskCopyASCII masks src (longer than maskSmall) into dst, which does not
// overlap it, with the rotated key k, reporting whether src is all ASCII;
// ok is false when this platform or length has no fused pass (the caller
// then checks src itself, and dst is not written).
func maskCopyASCII(dst, src []byte, k uint32) (ascii, ok bool) {
	n := len(src)
	if n < maskAVX2Min || !maskUseAVX2 {
		return false, false
	}
	dst = dst[:n]
	return maskAVX2Src(&dst[0], &src[0], n, uint64(k)*0x1_0000_0001) == 0, true
}
