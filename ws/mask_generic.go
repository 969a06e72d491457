//go:build !amd64 || purego

package ws

// maskLong masks buffers longer than maskSmall; k is the rotated key.
func maskLong(dst, src []byte, k uint32) { maskWords(dst, src, k) }
