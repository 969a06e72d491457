//go:build !amd64 || purego

package ws

// maskLong masks buffers longer than maskSmall; k is the rotated key. It
// reports whether the output is all ASCII.
func maskLong(dst, src []byte, k uint32) (ascii bool) { return maskWords(dst, src, k) }
