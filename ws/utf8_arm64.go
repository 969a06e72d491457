//go:build arm64 && !purego

package ws

// asciiScanMin is the shortest input worth a call to asciiPrefix.
const asciiScanMin = 64

var asciiUseAVX2 = false // amd64's; named by the tests

// asciiPrefix returns a multiple of 16, at most n, such that the first that
// many bytes at p are ASCII; it stops before the first 16-byte block that
// is not. NEON, which every arm64 CPU has: the portable word loop took 5.8x
// as many instructions per byte of ASCII as amd64's (make cross-insn).
func asciiPrefix(p *byte, n int) int { return asciiPrefixNEON(p, n) }

// asciiPrefixNEON is asciiPrefix, 64 bytes per iteration.
//
//go:noescape
func asciiPrefixNEON(p *byte, n int) int
