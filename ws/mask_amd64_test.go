//go:build amd64 && !purego

package ws

func init() {
	maskImpls = append(maskImpls, maskImpl{"sse2", 16, func(dst, src []byte, k uint32) bool {
		return maskSSE2(&dst[0], &src[0], len(src), uint64(k)*0x1_0000_0001) == 0
	}})
	if maskUseAVX2 {
		maskImpls = append(maskImpls, maskImpl{"avx2", 32, func(dst, src []byte, k uint32) bool {
			return maskAVX2(&dst[0], &src[0], len(src), uint64(k)*0x1_0000_0001) == 0
		}})
	}
}
