//go:build arm64 && !purego

package ws

func init() {
	maskImpls = append(maskImpls, maskImpl{"neon", 16, func(dst, src []byte, k uint32) bool {
		return maskNEON(&dst[0], &src[0], len(src), uint64(k)*0x1_0000_0001) == 0
	}})
}
