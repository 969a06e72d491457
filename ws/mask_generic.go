//go:build (!amd64 && !arm64) || purego

package ws

// maskLong masks buffers longer than maskSmall; k is the rotated key. It
// reports whether the output is all ASCII.
func maskLong(dst, src []byte, k uint32) (ascii bool) { return maskWords(dst, src, k) }

// maskCopyASCII: no fused pass on this platform (see mask_amd64.go).
func maskCopyASCII(dst, src []byte, k uint32) (ascii, ok bool) { return false, false }
