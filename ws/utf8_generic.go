//go:build (!amd64 && !arm64) || purego

package ws

// asciiScanMin: no vector scan on this platform; feed's word loop does it.
const asciiScanMin = 1<<31 - 1

func asciiPrefix(p *byte, n int) int { return 0 }

var asciiUseAVX2 = false
