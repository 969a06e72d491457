package pmd

import (
	"errors"
	"fmt"
)

// Inflater decompresses the messages one endpoint receives (RFC 7692
// §7.2.2) strictly, as a reference decoder: malformed DEFLATE data, a
// back-reference farther than 2^WindowBits bytes, or — without context
// takeover — one reaching before the start of the message, is an error.
// It is a straightforward RFC 1951 decoder written for this driver.
type Inflater struct {
	WindowBits      int  // the window the peer agreed to compress with (8..15)
	ContextTakeover bool // the peer may refer to earlier messages
	Max             int  // largest message in bytes; 0: 256 MiB

	hist []byte // the last 32 KiB of output, with context takeover
}

var syncTail = []byte{0x00, 0x00, 0xff, 0xff}

var errTruncated = errors.New("compressed data ends inside a DEFLATE block")

// Inflate decompresses one whole message (its frames' payloads joined).
func (z *Inflater) Inflate(payload []byte) ([]byte, error) {
	in := make([]byte, 0, len(payload)+4)
	in = append(in, payload...)
	in = append(in, syncTail...)
	max := z.Max
	if max <= 0 {
		max = 256 << 20
	}
	d := &decoder{br: bitReader{in: in}, window: 1 << z.WindowBits, bits: z.WindowBits, max: max}
	if z.ContextTakeover {
		d.out = append(make([]byte, 0, len(z.hist)+len(payload)*3), z.hist...)
		d.ctx = true
	}
	d.base = len(d.out)
	for {
		final, err := d.block()
		if err != nil {
			return nil, err
		}
		if final || d.br.done() {
			break
		}
	}
	msg := append([]byte(nil), d.out[d.base:]...)
	if z.ContextTakeover {
		h := d.out
		if len(h) > 32768 {
			h = h[len(h)-32768:]
		}
		z.hist = append(z.hist[:0], h...)
	}
	return msg, nil
}

type bitReader struct {
	in  []byte
	pos int
	buf uint64
	n   uint
}

func (b *bitReader) fill() {
	for b.n <= 56 && b.pos < len(b.in) {
		b.buf |= uint64(b.in[b.pos]) << b.n
		b.pos++
		b.n += 8
	}
}

func (b *bitReader) bits(n uint) (uint32, error) {
	if b.n < n {
		b.fill()
		if b.n < n {
			return 0, errTruncated
		}
	}
	v := uint32(b.buf & (1<<n - 1))
	b.buf >>= n
	b.n -= n
	return v, nil
}

// done reports whether only padding is left: the input is consumed and the
// buffered bits (fewer than 8) are zero.
func (b *bitReader) done() bool {
	return b.pos == len(b.in) && b.n < 8 && b.buf == 0
}

func (b *bitReader) align() {
	drop := b.n % 8
	b.buf >>= drop
	b.n -= drop
}

func (b *bitReader) byte() (byte, error) {
	if b.n >= 8 {
		v := byte(b.buf)
		b.buf >>= 8
		b.n -= 8
		return v, nil
	}
	if b.pos >= len(b.in) {
		return 0, errTruncated
	}
	b.pos++
	return b.in[b.pos-1], nil
}

type huffman struct {
	count [16]uint16
	sym   []uint16
	fast  [512]uint16 // codes of up to 9 bits: symbol<<4 | length; 0 = slow path
}

func (h *huffman) build(lengths []uint8) error {
	*h = huffman{}
	for _, l := range lengths {
		h.count[l]++
	}
	h.count[0] = 0
	left := 1
	for l := 1; l <= 15; l++ {
		left <<= 1
		left -= int(h.count[l])
		if left < 0 {
			return errors.New("over-subscribed Huffman code")
		}
	}
	var offs [16]int
	for l := 1; l < 15; l++ {
		offs[l+1] = offs[l] + int(h.count[l])
	}
	h.sym = make([]uint16, offs[15]+int(h.count[15]))
	for s, l := range lengths {
		if l != 0 {
			h.sym[offs[l]] = uint16(s)
			offs[l]++
		}
	}
	// Canonical codes (RFC 1951 §3.2.2), bit-reversed for the LSB-first
	// stream, in a 9-bit lookup table.
	var next [16]int
	code := 0
	for l := 1; l <= 15; l++ {
		code = (code + int(h.countPrev(l))) << 1
		next[l] = code
	}
	for s, l := range lengths {
		if l == 0 {
			continue
		}
		c := next[l]
		next[l]++
		if l > 9 {
			continue
		}
		r := reverse(c, int(l))
		for f := r; f < 512; f += 1 << l {
			h.fast[f] = uint16(s)<<4 | uint16(l)
		}
	}
	return nil
}

func (h *huffman) countPrev(l int) uint16 {
	if l == 1 {
		return 0
	}
	return h.count[l-1]
}

func reverse(c, n int) int {
	r := 0
	for range n {
		r = r<<1 | c&1
		c >>= 1
	}
	return r
}

type decoder struct {
	br     bitReader
	out    []byte
	base   int // where this message starts in out
	window int
	bits   int
	ctx    bool
	max    int
	lit    huffman
	dist   huffman
}

func (d *decoder) decode(h *huffman) (int, error) {
	if d.br.n < 9 {
		d.br.fill()
	}
	if e := h.fast[d.br.buf&511]; e != 0 {
		if l := uint(e & 15); l <= d.br.n {
			d.br.buf >>= l
			d.br.n -= l
			return int(e >> 4), nil
		}
	}
	code, first, index := 0, 0, 0
	for l := 1; l <= 15; l++ {
		bit, err := d.br.bits(1)
		if err != nil {
			return 0, err
		}
		code |= int(bit)
		c := int(h.count[l])
		if code-c < first {
			return int(h.sym[index+(code-first)]), nil
		}
		index += c
		first += c
		first <<= 1
		code <<= 1
	}
	return 0, errors.New("invalid Huffman code")
}

var (
	lenBase  = [29]int{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lenExtra = [29]uint{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	dstBase  = [30]int{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	dstExtra = [30]uint{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	clOrder  = [19]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

var fixedLit, fixedDist huffman

func init() {
	var l [288]uint8
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	if err := fixedLit.build(l[:]); err != nil {
		panic(err)
	}
	var dl [30]uint8
	for i := range dl {
		dl[i] = 5
	}
	if err := fixedDist.build(dl[:]); err != nil {
		panic(err)
	}
}

func (d *decoder) block() (final bool, err error) {
	hdr, err := d.br.bits(3)
	if err != nil {
		return false, err
	}
	final = hdr&1 != 0
	switch hdr >> 1 {
	case 0:
		return final, d.stored()
	case 1:
		return final, d.codes(&fixedLit, &fixedDist)
	case 2:
		if err := d.dynamic(); err != nil {
			return final, err
		}
		return final, d.codes(&d.lit, &d.dist)
	}
	return final, errors.New("DEFLATE block type 3 (reserved)")
}

func (d *decoder) stored() error {
	d.br.align()
	var b [4]byte
	for i := range b {
		v, err := d.br.byte()
		if err != nil {
			return err
		}
		b[i] = v
	}
	n := int(b[0]) | int(b[1])<<8
	if nn := int(b[2]) | int(b[3])<<8; nn != n^0xffff {
		return fmt.Errorf("stored block: LEN %#04x and NLEN %#04x do not match", n, nn)
	}
	for ; n > 0 && d.br.n >= 8; n-- {
		v, _ := d.br.byte()
		d.out = append(d.out, v)
	}
	if d.br.pos+n > len(d.br.in) {
		return errTruncated
	}
	d.out = append(d.out, d.br.in[d.br.pos:d.br.pos+n]...)
	d.br.pos += n
	return d.checkMax()
}

func (d *decoder) checkMax() error {
	if len(d.out)-d.base > d.max {
		return fmt.Errorf("message inflates beyond %d bytes", d.max)
	}
	return nil
}

func (d *decoder) dynamic() error {
	v, err := d.br.bits(14)
	if err != nil {
		return err
	}
	nlen, ndist, ncode := int(v&31)+257, int(v>>5&31)+1, int(v>>10)+4
	if nlen > 286 || ndist > 30 {
		return fmt.Errorf("dynamic block with %d literal/length and %d distance codes", nlen, ndist)
	}
	var cl [19]uint8
	for i := range ncode {
		x, err := d.br.bits(3)
		if err != nil {
			return err
		}
		cl[clOrder[i]] = uint8(x)
	}
	var clh huffman
	if err := clh.build(cl[:]); err != nil {
		return fmt.Errorf("code length code: %w", err)
	}
	lengths := make([]uint8, nlen+ndist)
	for i := 0; i < len(lengths); {
		s, err := d.decode(&clh)
		if err != nil {
			return err
		}
		if s < 16 {
			lengths[i] = uint8(s)
			i++
			continue
		}
		var rep int
		var val uint8
		switch s {
		case 16:
			if i == 0 {
				return errors.New("code length repeat with no previous length")
			}
			val = lengths[i-1]
			x, err := d.br.bits(2)
			if err != nil {
				return err
			}
			rep = 3 + int(x)
		case 17:
			x, err := d.br.bits(3)
			if err != nil {
				return err
			}
			rep = 3 + int(x)
		default:
			x, err := d.br.bits(7)
			if err != nil {
				return err
			}
			rep = 11 + int(x)
		}
		if i+rep > len(lengths) {
			return errors.New("code lengths overflow the table")
		}
		for ; rep > 0; rep-- {
			lengths[i] = val
			i++
		}
	}
	if lengths[256] == 0 {
		return errors.New("dynamic block without an end-of-block code")
	}
	if err := d.lit.build(lengths[:nlen]); err != nil {
		return fmt.Errorf("literal/length code: %w", err)
	}
	if err := d.dist.build(lengths[nlen:]); err != nil {
		return fmt.Errorf("distance code: %w", err)
	}
	return nil
}

func (d *decoder) codes(lit, dist *huffman) error {
	for {
		s, err := d.decode(lit)
		if err != nil {
			return err
		}
		if s < 256 {
			d.out = append(d.out, byte(s))
			if len(d.out)-d.base > d.max {
				return d.checkMax()
			}
			continue
		}
		if s == 256 {
			return nil
		}
		s -= 257
		if s >= 29 {
			return fmt.Errorf("invalid length symbol %d", s+257)
		}
		x, err := d.br.bits(lenExtra[s])
		if err != nil {
			return err
		}
		n := lenBase[s] + int(x)
		ds, err := d.decode(dist)
		if err != nil {
			return err
		}
		if ds >= 30 {
			return fmt.Errorf("invalid distance symbol %d", ds)
		}
		x, err = d.br.bits(dstExtra[ds])
		if err != nil {
			return err
		}
		dd := dstBase[ds] + int(x)
		if dd > d.window {
			return fmt.Errorf("back-reference distance %d beyond the agreed window of %d bytes (%d bits)", dd, d.window, d.bits)
		}
		if dd > len(d.out) {
			if d.ctx {
				return fmt.Errorf("back-reference distance %d before the start of the stream", dd)
			}
			return fmt.Errorf("back-reference distance %d reaches %d bytes before the start of the message without context takeover", dd, dd-(len(d.out)-d.base))
		}
		start := len(d.out) - dd
		if dd >= n {
			d.out = append(d.out, d.out[start:start+n]...)
		} else {
			for k := range n {
				d.out = append(d.out, d.out[start+k])
			}
		}
		if err := d.checkMax(); err != nil {
			return err
		}
	}
}
