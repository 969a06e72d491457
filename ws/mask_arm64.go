//go:build arm64 && !purego

package ws

// maskLong masks buffers longer than maskSmall with NEON (every arm64 CPU
// has it): 64 bytes per iteration, where the portable word loop took 7.1x
// as many instructions per byte as amd64's SSE2/AVX2 (make cross-insn).
// k is the rotated key. It reports whether the output is all ASCII.
func maskLong(dst, src []byte, k uint32) (ascii bool) {
	n := len(src)
	dst = dst[:n]
	return maskNEON(&dst[0], &src[0], n, uint64(k)*0x1_0000_0001) == 0
}

// maskCopyASCII: no fused pass on this platform (see mask_amd64.go).
func maskCopyASCII(dst, src []byte, k uint32) (ascii, ok bool) { return false, false }

// maskNEON masks n >= 16 bytes from src to dst with the 8-byte key pattern
// k64 (the rotated key twice). dst is src or does not overlap it. hi is 0
// when every output byte is ASCII.
//
//go:noescape
func maskNEON(dst, src *byte, n int, k64 uint64) (hi int)
