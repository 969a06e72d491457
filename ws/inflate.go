package ws

import (
	"encoding/binary"
	"math"
	"strconv"
	"sync"
)

// A raw DEFLATE decoder (RFC 1951) that writes straight into the
// connection's buffer, after the design of libdeflate's decompressor:
//
//   - A 64-bit bit buffer, refilled with one unaligned 8-byte load while at
//     least 8 input bytes remain, and a byte at a time near the end of the
//     input, where missing bytes read as zeros and are counted so that a
//     stream that needed them fails as truncated.
//   - Decode tables (inflate_tables.go) whose one lookup yields a literal,
//     or a length or distance with its extra bits.
//   - A fast loop that runs while the input and the output both have room
//     for the largest iteration, so that it checks neither per symbol; near
//     the ends a careful loop decodes one symbol at a time.
//   - No window of its own: matches copy from the output, 8 bytes at a time
//     when the distance allows; a distance reaching before the message's
//     first byte reads the history kept for context takeover, which
//     logically precedes the output.
//
// A message ends with its first block that has BFINAL set; the rest of the
// input is ignored. The caller appends deflateTail after the payload, so
// that a payload ending with a sync flush (RFC 7692 §7.2.2) ends with a
// final empty block; running out of input before a final block is an error.

// inflateTables holds one dynamic block's decode tables; pooled, since at
// 18 KiB they are too big to keep per connection.
type inflateTables struct {
	lit  [litTableSize]uint32
	dist [distTableSize]uint32
	pre  [preTableSize]uint32
	lens [maxLitCodes + maxDistCodes]uint8
}

var inflateTablesPool = sync.Pool{New: func() any { return new(inflateTables) }}

const (
	// fastInMargin: one fast iteration refills twice, each time loading 8
	// bytes and advancing at most 7.
	fastInMargin = 16
	// fastOutMargin: one fast iteration writes up to 3 literals and a
	// 258-byte match, whose copy may write up to 32 bytes past its end.
	fastMaxOut    = 3 + 258
	fastOutMargin = fastMaxOut + 32
	// utf8Chunk: text is validated whenever this much has been produced,
	// so that invalid text fails without inflating the rest.
	utf8Chunk = 8 << 10
)

// Reasons for rejecting a stream.
const (
	errTruncated     = "unexpected end of data"
	errBlockType     = "invalid block type 3"
	errStoredLen     = "stored block length does not match its complement"
	errTooManyLit    = "more than 286 literal/length codes"
	errTooManyDist   = "more than 30 distance codes"
	errRepeatFirst   = "code length repeat with no previous length"
	errRepeatPastEnd = "code length repeat runs past the last code"
	errNoEndOfBlock  = "literal/length code lacks the end-of-block symbol"
	errLitCode       = "invalid literal/length code"
	errDistCode      = "invalid distance code"
	errDistTooFar    = "distance reaches before the start of the data"
)

// lowBits[n] has the low n bits set.
var lowBits = func() (m [64]uint64) {
	for n := range m {
		m[n] = 1<<n - 1
	}
	return
}()

// inflateState is one message's decoding state.
type inflateState struct {
	in      []byte
	ipos    int    // next input byte to load into bitbuf
	bitbuf  uint64 // nbits bits not yet consumed, least significant first
	nbits   uint
	overrun int // zero bytes supplied past the end of in

	out     *buffer
	a       Allocator
	dst     []byte // out.b; the output position is out.n
	start   int    // index in dst of the message's first byte
	maxEnd  int    // the output may not pass this index of dst
	max     int64
	chunk   int // next growth
	hist    []byte
	utf8    *utf8State
	checked int // output validated up to this index of dst
	checkAt int // validate when the output reaches this index

	lit    *[litTableSize]uint32
	dist   *[distTableSize]uint32
	tables *inflateTables // borrowed for the first dynamic block
}

// inflateMessage decodes the raw DEFLATE stream in body (which must end
// with a final block: see deflateTail), with hist as the preceding data,
// and appends the result to out, growing it from a. It fails with 1009 as
// soon as the output would pass limit bytes, allocating little beyond that;
// with u non-nil it validates the output as UTF-8 every utf8Chunk bytes.
// On failure out.n tells how far decoding got.
func inflateMessage(body, hist []byte, out *buffer, a Allocator, limit int64, u *utf8State) error {
	s := inflateState{in: body, out: out, a: a, max: limit, hist: hist, utf8: u, start: out.n, checked: out.n}
	if limit < 0 {
		s.max = math.MaxInt64
	}
	s.maxEnd = math.MaxInt
	if s.max < int64(math.MaxInt-s.start) {
		s.maxEnd = s.start + int(s.max)
	}
	s.checkAt = math.MaxInt
	if u != nil {
		s.checkAt = s.start + utf8Chunk
	}
	s.chunk = max(4*len(body), 4096)
	s.dst = out.b
	err := s.run()
	if s.tables != nil {
		inflateTablesPool.Put(s.tables)
	}
	return err
}

func (s *inflateState) run() error {
	if len(s.dst)-s.out.n < s.chunk {
		if err := s.grow(s.out.n, 0); err != nil {
			return err
		}
	}
	for {
		if s.nbits < 3 {
			s.refill()
		}
		final := s.bitbuf&1 != 0
		typ := s.bitbuf >> 1 & 3
		s.consume(3)
		if s.truncated() {
			return corrupt(errTruncated)
		}
		var err error
		switch typ {
		case 0:
			err = s.stored()
		case 1:
			t := fixedTables()
			s.lit, s.dist = &t.lit, &t.dist
			err = s.huffman()
		case 2:
			if err = s.dynamic(); err == nil {
				err = s.huffman()
			}
		default:
			err = corrupt(errBlockType)
		}
		if err != nil {
			return err
		}
		if final {
			break
		}
	}
	return s.validate(s.out.n)
}

// corrupt is the error for an invalid stream: 1007, but not a UTF-8 error.
func corrupt(msg string) error {
	return &Error{Code: CodeProtocol, CloseCode: CloseInvalidPayload, Msg: "invalid compressed data: " + msg}
}

// refill tops the bit buffer up to at least 56 bits. Within 8 bytes of the
// end of the input it loads a byte at a time, and then zeros, counted in
// overrun.
func (s *inflateState) refill() {
	if s.ipos+8 <= len(s.in) {
		// The bits loaded beyond the count are those of the next input
		// bytes, which the next refill ORs in again unchanged.
		s.bitbuf |= binary.LittleEndian.Uint64(s.in[s.ipos:]) << (s.nbits & 63)
		s.ipos += int((63 - s.nbits) >> 3)
		s.nbits |= 56
		return
	}
	for s.nbits <= 56 {
		if s.ipos < len(s.in) {
			s.bitbuf |= uint64(s.in[s.ipos]) << s.nbits
			s.ipos++
		} else {
			s.overrun++
		}
		s.nbits += 8
	}
}

func (s *inflateState) consume(n uint) {
	s.bitbuf >>= n & 63
	s.nbits -= n
}

// truncated reports whether bits past the end of the input were consumed.
func (s *inflateState) truncated() bool { return uint(s.overrun)*8 > s.nbits }

// fail returns the error for msg, or for truncated data if the bits that
// led to it were past the end of the input.
func (s *inflateState) fail(msg string) error {
	if s.truncated() {
		msg = errTruncated
	}
	return corrupt(msg)
}

// tooBig is the error for output beyond the limit.
func (s *inflateState) tooBig() error {
	return protocolError(CloseMessageTooBig, "inflated message exceeds the limit of "+strconv.FormatInt(s.max, 10)+" bytes")
}

// grow makes room for need more bytes after opos (which becomes out.n),
// and more so that the fast loop can run, but not much past the limit.
func (s *inflateState) grow(opos, need int) error {
	if int64(opos-s.start)+int64(need) > s.max {
		return s.tooBig()
	}
	want := max(s.chunk, need+fastOutMargin)
	if room := s.max - int64(opos-s.start); room < int64(want-fastOutMargin) {
		want = int(room) + fastOutMargin // room ≥ need
	}
	s.out.n = opos
	if s.out.reserve(s.a, want) == nil {
		return &Error{Code: CodeNoMem, CloseCode: CloseInternalError, Msg: "out of memory inflating a message"}
	}
	s.dst = s.out.b
	if s.chunk < 1<<20 {
		s.chunk *= 2
	}
	return nil
}

// validate checks the output up to end as UTF-8 text, if it is text.
func (s *inflateState) validate(end int) error {
	if s.utf8 == nil {
		return nil
	}
	if i := s.utf8.feed(s.dst[s.checked:end]); i >= 0 {
		s.out.n = s.checked + i
		return protocolError(CloseInvalidPayload, "invalid UTF-8 in text message at byte "+strconv.Itoa(s.out.n-s.start))
	}
	s.checked = end
	s.checkAt = end + utf8Chunk
	return nil
}

// stored copies a stored block (§3.2.4).
func (s *inflateState) stored() error {
	// Back to the byte boundary: whole bytes in the bit buffer go back to
	// the input (the zeros supplied past its end do not exist).
	s.consume(s.nbits & 7)
	back := int(s.nbits/8) - s.overrun
	if back < 0 {
		return corrupt(errTruncated)
	}
	s.ipos -= back
	s.bitbuf, s.nbits, s.overrun = 0, 0, 0
	if len(s.in)-s.ipos < 4 {
		return corrupt(errTruncated)
	}
	n := int(binary.LittleEndian.Uint16(s.in[s.ipos:]))
	if ^uint16(n) != binary.LittleEndian.Uint16(s.in[s.ipos+2:]) {
		return corrupt(errStoredLen)
	}
	s.ipos += 4
	if len(s.in)-s.ipos < n {
		return corrupt(errTruncated)
	}
	opos := s.out.n
	if n > len(s.dst)-opos || n > s.maxEnd-opos {
		if err := s.grow(opos, n); err != nil {
			return err
		}
	}
	copy(s.dst[opos:opos+n], s.in[s.ipos:])
	s.ipos += n
	s.out.n = opos + n
	if s.out.n >= s.checkAt {
		return s.validate(s.out.n)
	}
	return nil
}

// dynamic reads the code definitions of a block with dynamic Huffman codes
// (§3.2.7) and builds their tables.
func (s *inflateState) dynamic() error {
	t := s.tables
	if t == nil {
		t = inflateTablesPool.Get().(*inflateTables)
		s.tables = t
	}
	s.refill()
	nlit := int(s.bitbuf&31) + 257
	ndist := int(s.bitbuf>>5&31) + 1
	nclen := int(s.bitbuf>>10&15) + 4
	s.consume(14)
	if nlit > maxLitCodes {
		return s.fail(errTooManyLit)
	}
	if ndist > maxDistCodes {
		return s.fail(errTooManyDist)
	}
	var plens [numPrecodeSyms]uint8
	for _, sym := range precodeOrder[:nclen] {
		if s.nbits < 3 {
			s.refill()
		}
		plens[sym] = uint8(s.bitbuf & 7)
		s.consume(3)
	}
	if msg := buildTable(t.pre[:], plens[:], precodeTemplates[:], preTableBits, codePrecode); msg != "" {
		return s.fail("code length code: " + msg)
	}
	lens := t.lens[:nlit+ndist]
	for i := 0; i < len(lens); {
		if s.nbits < 7+7 {
			s.refill()
		}
		e := t.pre[s.bitbuf&(preTableSize-1)]
		s.consume(uint(e & entTotal))
		sym := uint8(e >> entValShift)
		if sym < 16 {
			lens[i] = sym
			i++
			continue
		}
		var rep int
		var fill uint8
		switch sym {
		case 16: // copy the previous length 3-6 times
			if i == 0 {
				return s.fail(errRepeatFirst)
			}
			rep, fill = 3+int(s.bitbuf&3), lens[i-1]
			s.consume(2)
		case 17: // 3-10 zeros
			rep = 3 + int(s.bitbuf&7)
			s.consume(3)
		default: // 18: 11-138 zeros
			rep = 11 + int(s.bitbuf&127)
			s.consume(7)
		}
		if rep > len(lens)-i {
			return s.fail(errRepeatPastEnd)
		}
		seg := lens[i : i+rep]
		for r := range seg {
			seg[r] = fill
		}
		i += rep
	}
	if s.truncated() {
		return corrupt(errTruncated)
	}
	if lens[256] == 0 {
		return corrupt(errNoEndOfBlock)
	}
	if msg := buildTable(t.lit[:], lens[:nlit], litTemplates[:], litTableBits, codeLitlen); msg != "" {
		return corrupt("literal/length code: " + msg)
	}
	if msg := buildTable(t.dist[:], lens[nlit:], distTemplates[:], distTableBits, codeDist); msg != "" {
		return corrupt("distance code: " + msg)
	}
	s.lit, s.dist = &t.lit, &t.dist
	return nil
}

// huffman decodes the data of a block with Huffman codes (§3.2.5) up to
// and including its end-of-block symbol.
func (s *inflateState) huffman() error {
	lit, dist := s.lit, s.dist
	in := s.in
	inFast := len(in) - fastInMargin
	ipos, bitbuf, nbits := s.ipos, s.bitbuf, s.nbits
	dst := s.dst
	opos := s.out.n
	start := s.start
	var err error
	for {
		if opos >= s.checkAt {
			if err = s.validate(opos); err != nil {
				return err
			}
		}
		if len(dst)-opos < fastOutMargin && s.maxEnd-opos > fastOutMargin {
			if err = s.grow(opos, 0); err != nil {
				break
			}
			dst = s.dst
		}
		fastOut := min(len(dst)-fastOutMargin, s.maxEnd-fastMaxOut, s.checkAt)
		if ipos <= inFast && opos <= fastOut {
			s.ipos, s.bitbuf, s.nbits, s.out.n = ipos, bitbuf, nbits, opos
			end, err := s.fast(fastOut)
			if end || err != nil {
				return err
			}
			ipos, bitbuf, nbits, opos = s.ipos, s.bitbuf, s.nbits, s.out.n
			continue
		}

		// One symbol, carefully: near the end of the input (refilling a
		// byte at a time) or of the output (checking for room).
		for nbits <= 56 {
			if ipos < len(in) {
				bitbuf |= uint64(in[ipos]) << nbits
				ipos++
			} else {
				s.overrun++
			}
			nbits += 8
		}
		e := lit[bitbuf&(1<<litTableBits-1)]
		if e&entSubtable != 0 {
			bitbuf >>= litTableBits
			nbits -= litTableBits
			e = lit[(e>>entValShift+uint32(bitbuf)&(1<<(e>>entLenShift&entTotal)-1))&litTableMask]
		}
		v := int(e>>entValShift&0x7fff) + int(bitbuf&(1<<(e&entTotal)-1)>>(e>>entLenShift&entTotal))
		bitbuf >>= e & entTotal
		nbits -= uint(e & entTotal)
		if uint(s.overrun)*8 > nbits {
			err = corrupt(errTruncated)
			break
		}
		if int32(e) < 0 {
			if opos >= len(dst) || opos >= s.maxEnd {
				if err = s.grow(opos, 1); err != nil {
					break
				}
				dst = s.dst
			}
			dst[opos] = byte(v)
			opos++
			continue
		}
		if e&entException != 0 {
			if e&entEnd == 0 {
				err = corrupt(errLitCode)
			}
			break
		}
		length := v
		for nbits <= 56 {
			if ipos < len(in) {
				bitbuf |= uint64(in[ipos]) << nbits
				ipos++
			} else {
				s.overrun++
			}
			nbits += 8
		}
		d := dist[bitbuf&(1<<distTableBits-1)]
		if d&entSubtable != 0 {
			bitbuf >>= distTableBits
			nbits -= distTableBits
			d = dist[(d>>entValShift+uint32(bitbuf)&(1<<(d>>entLenShift&entTotal)-1))&distTableMask]
		}
		distance := int(d>>entValShift) + int(bitbuf&(1<<(d&entTotal)-1)>>(d>>entLenShift&entTotal))
		bitbuf >>= d & entTotal
		nbits -= uint(d & entTotal)
		if uint(s.overrun)*8 > nbits {
			err = corrupt(errTruncated)
			break
		}
		if d&entException != 0 {
			err = corrupt(errDistCode)
			break
		}
		if distance > opos-start+len(s.hist) {
			err = corrupt(errDistTooFar)
			break
		}
		if length > len(dst)-opos || length > s.maxEnd-opos {
			if err = s.grow(opos, length); err != nil {
				break
			}
			dst = s.dst
		}
		if distance > opos-start {
			s.histMatch(dst[start:], opos-start, distance, length)
		} else {
			for i := opos; i < opos+length; i++ {
				dst[i] = dst[i-distance]
			}
		}
		opos += length
	}
	s.ipos, s.bitbuf, s.nbits = ipos, bitbuf, nbits
	s.out.n = opos
	return err
}

// fast decodes symbols while at least fastInMargin input bytes remain and
// the output has not passed fastOut, so that it needs to check neither
// per symbol. It reports whether it decoded the end of the block.
func (s *inflateState) fast(fastOut int) (end bool, err error) {
	lit, dist := s.lit, s.dist
	in := s.in
	inFast := len(in) - fastInMargin
	ipos, bitbuf, nbits := s.ipos, s.bitbuf, s.nbits
	// Positions are relative to the message's start: a distance up to
	// opos is within the output.
	dst := s.dst[s.start:]
	opos := s.out.n - s.start
	fastOut -= s.start
	// nbits is decremented by whole entries, whose low byte is the bits
	// consumed: its low byte stays the bit count (≤ 63), the bits above
	// are garbage (libdeflate's trick: it saves masking the entry).

	// Each iteration starts with ≥ 56 bits and the litlen entry for the
	// next symbol already looked up, so that the lookup overlaps the
	// previous symbol's copy.
	bitbuf |= binary.LittleEndian.Uint64(in[ipos:ipos+8]) << (nbits & 63)
	ipos += 7 - int(nbits>>3&7)
	nbits |= 56
	e := lit[bitbuf&(1<<litTableBits-1)]
	for {
		if int32(e) < 0 {
			// Up to three literals: 45 bits at most.
			bitbuf >>= e & 63
			nbits -= uint(e)
			dst[opos] = byte(e >> entValShift)
			opos++
			e = lit[bitbuf&(1<<litTableBits-1)]
			if int32(e) < 0 {
				bitbuf >>= e & 63
				nbits -= uint(e)
				dst[opos] = byte(e >> entValShift)
				opos++
				e = lit[bitbuf&(1<<litTableBits-1)]
				if int32(e) < 0 {
					bitbuf >>= e & 63
					nbits -= uint(e)
					dst[opos] = byte(e >> entValShift)
					opos++
					// ≥ 11 bits left: enough to look up the next entry,
					// whose codeword is consumed after the refill.
					e = lit[bitbuf&(1<<litTableBits-1)]
					if ipos > inFast || opos > fastOut {
						break
					}
					bitbuf |= binary.LittleEndian.Uint64(in[ipos:ipos+8]) << (nbits & 63)
					ipos += 7 - int(nbits>>3&7)
					nbits |= 56
					continue
				}
			}
		}
		// ≥ 26 bits left: enough for a length code with its extra bits,
		// even through a subtable.
		if e&entException != 0 {
			if e&entSubtable != 0 {
				bitbuf >>= litTableBits
				nbits -= litTableBits
				e = lit[(e>>entValShift+uint32(bitbuf)&(1<<(e>>entLenShift&entTotal)-1))&litTableMask]
			}
			if int32(e) < 0 {
				bitbuf >>= e & 63
				nbits -= uint(e)
				dst[opos] = byte(e >> entValShift)
				opos++
				e = lit[bitbuf&(1<<litTableBits-1)]
				if ipos > inFast || opos > fastOut {
					break
				}
				bitbuf |= binary.LittleEndian.Uint64(in[ipos:ipos+8]) << (nbits & 63)
				ipos += 7 - int(nbits>>3&7)
				nbits |= 56
				continue
			}
			if e&entException != 0 {
				bitbuf >>= e & 63
				nbits -= uint(e)
				if e&entEnd == 0 {
					err = corrupt(errLitCode)
				}
				end = true
				break
			}
		}
		length := int(e>>entValShift) + int(bitbuf&lowBits[e&63]>>(e>>entLenShift&63))
		bitbuf >>= e & 63
		nbits -= uint(e)

		bitbuf |= binary.LittleEndian.Uint64(in[ipos:ipos+8]) << (nbits & 63)
		ipos += 7 - int(nbits>>3&7)
		nbits |= 56
		d := dist[bitbuf&(1<<distTableBits-1)]
		if d&entException != 0 {
			if d&entSubtable != 0 {
				bitbuf >>= distTableBits
				nbits -= distTableBits
				d = dist[(d>>entValShift+uint32(bitbuf)&(1<<(d>>entLenShift&entTotal)-1))&distTableMask]
			}
			if d&entException != 0 {
				err = corrupt(errDistCode)
				break
			}
		}
		distance := int(d>>entValShift) + int(bitbuf&lowBits[d&63]>>(d>>entLenShift&63))
		bitbuf >>= d & 63
		nbits -= uint(d)
		// ≥ 28 bits left.
		e = lit[bitbuf&(1<<litTableBits-1)]

		if distance >= 8 && distance <= opos {
			// Whole words, each reading bytes already written; 32 bytes
			// unconditionally, since most matches are short. The copy may
			// run past the match: the next symbols overwrite those bytes.
			w, r := dst[opos:opos+32], dst[opos-distance:opos-distance+32]
			binary.LittleEndian.PutUint64(w[0:], binary.LittleEndian.Uint64(r[0:]))
			binary.LittleEndian.PutUint64(w[8:], binary.LittleEndian.Uint64(r[8:]))
			binary.LittleEndian.PutUint64(w[16:], binary.LittleEndian.Uint64(r[16:]))
			binary.LittleEndian.PutUint64(w[24:], binary.LittleEndian.Uint64(r[24:]))
			if length > 32 {
				for o, end := opos+32, opos+length; o < end; o += 8 {
					binary.LittleEndian.PutUint64(dst[o:o+8], binary.LittleEndian.Uint64(dst[o-distance:o-distance+8]))
				}
			}
		} else if distance > opos {
			// From the history: short matches well inside it as above,
			// the rest (and errors) out of line.
			if back := distance - opos; back >= 32 && length <= 32 && back <= len(s.hist) {
				h := s.hist[len(s.hist)-back : len(s.hist)-back+32]
				w := dst[opos : opos+32]
				binary.LittleEndian.PutUint64(w[0:], binary.LittleEndian.Uint64(h[0:]))
				binary.LittleEndian.PutUint64(w[8:], binary.LittleEndian.Uint64(h[8:]))
				binary.LittleEndian.PutUint64(w[16:], binary.LittleEndian.Uint64(h[16:]))
				binary.LittleEndian.PutUint64(w[24:], binary.LittleEndian.Uint64(h[24:]))
			} else if !s.histMatch(dst, opos, distance, length) {
				err = corrupt(errDistTooFar)
				break
			}
		} else if distance == 1 {
			v := uint64(dst[opos-1]) * 0x0101010101010101
			for o, end := opos, opos+length; o < end; o += 8 {
				binary.LittleEndian.PutUint64(dst[o:o+8], v)
			}
		} else {
			for o, end := opos, opos+length; o < end; o++ {
				dst[o] = dst[o-distance]
			}
		}
		opos += length
		if ipos > inFast || opos > fastOut {
			break
		}
		bitbuf |= binary.LittleEndian.Uint64(in[ipos:ipos+8]) << (nbits & 63)
		ipos += 7 - int(nbits>>3&7)
		nbits |= 56
	}
	s.ipos, s.bitbuf, s.nbits = ipos, bitbuf, nbits&63
	s.out.n = s.start + opos
	return end, err
}

// histMatch copies a match that starts in the history: distance reaches
// before the message's first byte. dst and opos are relative to that byte.
// It reports false if the distance reaches before the history too.
func (s *inflateState) histMatch(dst []byte, opos, distance, length int) bool {
	back := distance - opos // bytes of history to read from
	if back > len(s.hist) {
		return false
	}
	n := copy(dst[opos:opos+length], s.hist[len(s.hist)-back:])
	for i := opos + n; i < opos+length; i++ {
		dst[i] = dst[i-distance]
	}
	return true
}
