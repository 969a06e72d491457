package pmd

import (
	"bytes"
	"compress/flate"
	"fmt"
)

// Deflater compresses the messages one endpoint sends (RFC 7692 §7.2.1):
// each message ends with a sync flush whose trailing 00 00 ff ff is
// removed. With a 15-bit window it uses Go's standard compress/flate
// (dynamic Huffman blocks); with a smaller window, which compress/flate
// cannot limit, a small LZ77 encoder of its own whose back-references never
// reach further than 2^WindowBits bytes (fixed Huffman blocks).
type Deflater struct {
	WindowBits      int
	ContextTakeover bool

	fw   *flate.Writer
	buf  bytes.Buffer
	hist []byte // own encoder: the window of earlier messages
}

// Compress returns the compressed payload of one message.
func (z *Deflater) Compress(p []byte) []byte {
	if z.WindowBits >= 15 {
		return z.std(p)
	}
	return z.lz(p)
}

func (z *Deflater) std(p []byte) []byte {
	if z.fw == nil {
		z.fw, _ = flate.NewWriter(&z.buf, 1) // the driver's ratio does not matter; dynamic blocks do
	} else if !z.ContextTakeover {
		z.fw.Reset(&z.buf)
	}
	z.buf.Reset()
	z.fw.Write(p)
	z.fw.Flush()
	out := z.buf.Bytes()
	if !bytes.HasSuffix(out, syncTail) {
		panic(fmt.Sprintf("compress/flate: sync flush without 00 00 ff ff: % x", out[max(0, len(out)-8):]))
	}
	return append([]byte(nil), out[:len(out)-4]...)
}

type bitWriter struct {
	out []byte
	acc uint64
	n   uint
}

func (w *bitWriter) write(v uint32, n uint) {
	w.acc |= uint64(v) << w.n
	w.n += n
	for w.n >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
}

func (w *bitWriter) code(c, n int) { w.write(uint32(reverse(c, n)), uint(n)) }

func (w *bitWriter) align() {
	if w.n > 0 {
		w.write(0, 8-w.n)
	}
}

func (w *bitWriter) literal(s int) {
	switch {
	case s < 144:
		w.code(0x30+s, 8)
	case s < 256:
		w.code(0x190+s-144, 9)
	case s < 280:
		w.code(s-256, 7)
	default:
		w.code(0xc0+s-280, 8)
	}
}

func (w *bitWriter) match(length, dist int) {
	i := 28
	if length < 258 {
		for i = 27; lenBase[i] > length; i-- {
		}
	}
	w.literal(257 + i)
	w.write(uint32(length-lenBase[i]), lenExtra[i])
	j := 29
	for ; dstBase[j] > dist; j-- {
	}
	w.code(j, 5)
	w.write(uint32(dist-dstBase[j]), dstExtra[j])
}

func (z *Deflater) lz(p []byte) []byte {
	wsize := 1 << z.WindowBits
	win := make([]byte, 0, len(z.hist)+len(p))
	win = append(win, z.hist...)
	win = append(win, p...)
	start := len(z.hist)

	const hashBits = 15
	head := make([]int32, 1<<hashBits)
	for i := range head {
		head[i] = -1
	}
	prev := make([]int32, len(win))
	hash := func(i int) uint32 {
		return (uint32(win[i])<<16 | uint32(win[i+1])<<8 | uint32(win[i+2])) * 2654435761 >> (32 - hashBits)
	}
	insert := func(i int) {
		if i+2 < len(win) {
			h := hash(i)
			prev[i] = head[h]
			head[h] = int32(i)
		}
	}
	for i := range start {
		insert(i)
	}

	w := &bitWriter{}
	w.write(0, 1) // BFINAL = 0
	w.write(1, 2) // BTYPE = 01: fixed Huffman codes
	for i := start; i < len(win); {
		best, bestDist := 0, 0
		if i+2 < len(win) {
			limit := min(258, len(win)-i)
			for cand, chain := head[hash(i)], 48; cand >= 0 && chain > 0; cand, chain = prev[cand], chain-1 {
				d := i - int(cand)
				if d > wsize {
					break
				}
				l := 0
				for l < limit && win[int(cand)+l] == win[i+l] {
					l++
				}
				if l > best {
					best, bestDist = l, d
					if l == limit {
						break
					}
				}
			}
		}
		if best >= 3 {
			w.match(best, bestDist)
			for k := range best {
				insert(i + k)
			}
			i += best
		} else {
			w.literal(int(win[i]))
			insert(i)
			i++
		}
	}
	w.literal(256) // end of block
	w.write(0, 3)  // the sync flush's empty stored block: header...
	w.align()      // ...padding; its 00 00 ff ff is what RFC 7692 removes
	if z.ContextTakeover {
		h := win
		if len(h) > wsize {
			h = h[len(h)-wsize:]
		}
		z.hist = append(z.hist[:0], h...)
	}
	return w.out
}
