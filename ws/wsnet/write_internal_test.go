package wsnet

import "testing"

func TestBigBufClasses(t *testing.T) {
	for _, n := range []int{keepWBuf + 1, 128 << 10, 128<<10 + 1, 1 << 20, 3<<20 + 5, writeChunk} {
		p := getBigBuf(n)
		if c := cap(*p); c < n || c >= 2*n {
			t.Errorf("getBigBuf(%d): cap %d", n, c)
		}
		putBigBuf(p)
	}
}
