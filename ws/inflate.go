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
//
// The decoder is resumable, so that a message is inflated as its frames
// arrive and no compressed input is kept: the stream's state between calls
// (inflateStream) is the phase, the bit buffer and, inside a block, its
// decode tables. Where input may still follow, each step first checks that
// the bits it could need are there; if not, the remaining input (fewer
// bits than one symbol, so it fits the bit buffer) is taken into the bit
// buffer and the call pauses. A call may also pause at a symbol boundary
// once its output reaches a stop (the receive budget), leaving the rest of
// its input to the caller.

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
	// fastNeed: the most bits one fast iteration consumes (two 15-bit
	// literals, a length with its extra bits and a distance with its),
	// rounded up to bytes. fastPad: what the input's capacity must hold
	// past its end for the fast loop's loads to read there (see fastInput).
	fastNeed = 10
	fastPad  = 16
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

// Phases of a stream between calls.
const (
	phBlock      uint8 = iota // next: a block header
	phStoredHead              // next: a stored block's LEN and NLEN
	phStored                  // inside a stored block
	phDynCounts               // next: a dynamic block's HLIT, HDIST, HCLEN
	phDynPre                  // reading the code length code lengths
	phDynLens                 // reading the literal/length and distance code lengths
	phHuffman                 // inside a block with Huffman codes
	phDone                    // the final block ended
)

// tablesBytes is the size of inflateTables.
const tablesBytes = 4*(litTableSize+distTableSize+preTableSize) + maxLitCodes + maxDistCodes

// inflateStream is one message's decoding state between calls.
type inflateStream struct {
	phase  uint8
	last   bool   // the current block is the final one
	bitbuf uint64 // nbits bits read but not consumed; the bits above are 0
	nbits  uint
	stored int // bytes left in the stored block

	nlit, ndist, nclen, di int // the dynamic header being read
	plens                  [numPrecodeSyms]uint8

	lit    *[litTableSize]uint32
	dist   *[distTableSize]uint32
	tables *inflateTables // borrowed while a dynamic block is in use
}

// reset starts a new stream, returning borrowed tables.
func (st *inflateStream) reset() {
	if st.tables != nil {
		inflateTablesPool.Put(st.tables)
	}
	*st = inflateStream{}
}

// memory returns the bytes the stream holds between calls.
func (st *inflateStream) memory() int {
	if st.tables != nil {
		return tablesBytes
	}
	return 0
}

// inflateState is one call's decoding state.
type inflateState struct {
	st      *inflateStream
	in      []byte
	ipos    int    // next input byte to load into bitbuf
	bitbuf  uint64 // nbits bits not yet consumed, least significant first
	nbits   uint
	overrun int  // zero bytes supplied past the end of in
	more    bool // more input may follow: pause where this call's runs out
	paused  bool

	out     *buffer
	a       Allocator
	dst     []byte // out.b; the output position is out.n
	start   int    // index in dst of the first byte distances reach; hist precedes it
	base    int64  // bytes of the message before start
	maxEnd  int    // the output may not pass this index of dst
	max     int64  // the message limit, less base
	limit   int64  // the message limit, for the error
	stop    int    // pause at the first symbol boundary at or past this index
	chunk   int    // next growth
	hist    []byte
	utf8    *utf8State
	checked int // output validated up to this index of dst
	checkAt int // validate when the output reaches this index
}

// inflateMessage decodes the raw DEFLATE stream in body (which must end
// with a final block: see deflateTail), with hist as the preceding data,
// and appends the result to out, growing it from a. It fails with 1009 as
// soon as the output would pass limit bytes, allocating little beyond that;
// with u non-nil it validates the output as UTF-8 every utf8Chunk bytes.
// On failure out.n tells how far decoding got.
func inflateMessage(body, hist []byte, out *buffer, a Allocator, limit int64, u *utf8State) error {
	var st inflateStream
	_, _, err := st.inflate(body, false, inflateOut{out: out, a: a, hist: hist, start: out.n, limit: limit, utf8: u})
	st.reset()
	return err
}

// inflateOut says where a call's output goes.
type inflateOut struct {
	out   *buffer
	a     Allocator
	hist  []byte     // the data before out.b[start]
	start int        // the index in out.b distances are counted from (≤ out.n)
	base  int64      // bytes of the message before start
	limit int64      // bytes the message may have (negative: no limit)
	stop  int        // with more input to come, pause once out.n reaches this (0: no stop)
	utf8  *utf8State // validate the output as text (state kept across calls)
}

// inflate decodes in, the next part of the stream, appending to o.out from
// o.out.n. With more set, input may follow: the call pauses where in runs
// out, or where the output reaches o.stop; it returns how many bytes of in
// it used (all of them unless it paused at the stop) and whether the stream
// is done. Without more, in is the end of the stream: it must finish it.
func (st *inflateStream) inflate(in []byte, more bool, o inflateOut) (used int, done bool, err error) {
	s := inflateState{st: st, in: in, more: more, bitbuf: st.bitbuf, nbits: st.nbits,
		out: o.out, a: o.a, hist: o.hist, start: o.start, base: o.base, limit: o.limit,
		utf8: o.utf8, checked: o.out.n}
	s.max = math.MaxInt64
	if o.limit >= 0 {
		s.max = o.limit - o.base
	}
	s.maxEnd = math.MaxInt
	if s.max < int64(math.MaxInt-s.start) {
		s.maxEnd = s.start + int(s.max)
	}
	s.stop = math.MaxInt
	if more && o.stop > 0 {
		s.stop = o.stop
	}
	s.checkAt = math.MaxInt
	if o.utf8 != nil {
		s.checkAt = s.out.n + utf8Chunk
	}
	s.chunk = max(4*len(in), 4096)
	s.dst = s.out.b
	err = s.run()
	if verr := s.validate(s.out.n); verr != nil {
		// §8.1: invalid UTF-8 in the output made before a fault in the
		// stream is the earlier fault, reported as such whatever the
		// split of the input (a split input validates each part's output).
		err = verr
	}
	if !s.paused {
		s.save()
	}
	return s.ipos, st.phase == phDone, err
}

func (s *inflateState) run() error {
	st := s.st
	if st.phase != phDone && len(s.dst)-s.out.n < s.chunk {
		if err := s.grow(s.out.n, 0); err != nil {
			return err
		}
	}
	for {
		switch st.phase {
		case phDone:
			s.ipos = len(s.in) // what follows the final block is ignored
			return nil
		case phBlock:
			if !s.have(3) {
				return nil
			}
			if s.nbits < 3 {
				s.refill()
			}
			st.last = s.bitbuf&1 != 0
			typ := s.bitbuf >> 1 & 3
			s.consume(3)
			if s.truncated() {
				return corrupt(errTruncated)
			}
			switch typ {
			case 0:
				st.phase = phStoredHead
			case 1:
				t := fixedTables()
				st.lit, st.dist = &t.lit, &t.dist
				st.phase = phHuffman
			case 2:
				st.phase = phDynCounts
			default:
				return corrupt(errBlockType)
			}
		case phStoredHead:
			if err := s.storedHead(); err != nil || s.paused {
				return err
			}
		case phStored:
			if err := s.stored(); err != nil || s.paused {
				return err
			}
			s.endBlock()
		case phDynCounts, phDynPre, phDynLens:
			if err := s.dynamic(); err != nil || s.paused {
				return err
			}
		case phHuffman:
			end, err := s.huffman()
			if err != nil || !end {
				return err
			}
			s.endBlock()
		}
	}
}

// endBlock moves past a finished block.
func (s *inflateState) endBlock() {
	if s.st.last {
		s.st.phase = phDone
	} else {
		s.st.phase = phBlock
	}
}

// corrupt is the error for an invalid stream: 1007, but not a UTF-8 error.
func corrupt(msg string) error {
	return &Error{Code: CodeProtocol, CloseCode: CloseInvalidPayload, Msg: "invalid compressed data: " + msg}
}

// have reports whether the next n bits can be read. When more input may
// follow and they cannot, it takes the rest of the input into the bit
// buffer (fewer than n ≤ 48 bits, so it fits) and pauses the call.
func (s *inflateState) have(n int) bool {
	if !s.more || int(s.nbits)-8*s.overrun+8*(len(s.in)-s.ipos) >= n {
		return true
	}
	s.pause(true)
	return false
}

// pause ends the call where it is, taking the rest of the input into the
// bit buffer if rest is set (the call ran out of input) and leaving it to
// the caller otherwise (the call reached its output stop).
func (s *inflateState) pause(rest bool) {
	s.save()
	if rest {
		st := s.st
		for ; s.ipos < len(s.in); s.ipos++ {
			st.bitbuf |= uint64(s.in[s.ipos]) << st.nbits
			st.nbits += 8
		}
	}
	s.paused = true
}

// save stores the bit buffer in the stream: the real bits only (not the
// zeros supplied past the input, nor the bits of bytes beyond ipos that a
// wide refill left above the count).
func (s *inflateState) save() {
	var n uint
	if f := uint(8 * s.overrun); s.nbits > f {
		n = min(s.nbits-f, 64) // else truncated: an error ends the stream
	}
	b := s.bitbuf
	if n < 64 {
		b &= 1<<n - 1
	}
	s.st.bitbuf, s.st.nbits = b, n
	s.overrun = 0
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
	return protocolError(CloseMessageTooBig, "inflated message exceeds the limit of "+strconv.FormatInt(s.limit, 10)+" bytes")
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
	capMax := math.MaxInt
	if s.maxEnd < math.MaxInt-fastOutMargin {
		capMax = s.maxEnd + fastOutMargin
	}
	if s.stop < math.MaxInt-fastOutMargin {
		// The call pauses soon after its stop (a symbol boundary).
		capMax = min(capMax, s.stop+fastOutMargin)
	}
	want = min(want, max(capMax-opos, need+fastOutMargin))
	if s.out.reserveMax(s.a, want, capMax) == nil {
		return &Error{Code: CodeNoMem, CloseCode: CloseInternalError, Msg: "out of memory inflating a message"}
	}
	s.dst = s.out.b
	if _, ok := s.a.(Reallocator); ok {
		// Growing in place is cheap: small steps keep the buffer
		// close to the message.
		s.chunk = min(s.chunk*2, 256<<10)
	} else if s.chunk < 1<<20 {
		s.chunk *= 2
	}
	return nil
}

// validate checks the output up to end as UTF-8 text, if it is text.
func (s *inflateState) validate(end int) error {
	if s.utf8 == nil || end <= s.checked {
		return nil
	}
	if i := s.utf8.feed(s.dst[s.checked:end]); i >= 0 {
		s.out.n = s.checked + i
		return protocolError(CloseInvalidPayload, "invalid UTF-8 in text message at byte "+strconv.FormatInt(s.base+int64(s.out.n-s.start), 10))
	}
	s.checked = end
	s.checkAt = end + utf8Chunk
	return nil
}

// storedHead reads a stored block's LEN and NLEN (§3.2.4), after skipping
// to the byte boundary.
func (s *inflateState) storedHead() error {
	s.consume(s.nbits & 7)
	if !s.have(32) {
		return nil
	}
	if s.nbits < 32 {
		s.refill()
	}
	if int(s.nbits)-8*s.overrun < 32 {
		return corrupt(errTruncated)
	}
	n := int(s.bitbuf & 0xffff)
	if uint16(^n) != uint16(s.bitbuf>>16) {
		return corrupt(errStoredLen)
	}
	s.consume(32)
	if n == 0 {
		// An empty block (a sync flush's, and deflateTail's final one).
		s.endBlock()
		return nil
	}
	s.st.stored = n
	s.st.phase = phStored
	return nil
}

// stored copies a stored block's data: first the whole bytes already in
// the bit buffer, then from the input.
func (s *inflateState) stored() error {
	st := s.st
	for st.stored > 0 && int(s.nbits)-8*s.overrun >= 8 {
		if s.out.n >= s.stop {
			s.pause(false)
			return nil
		}
		if s.out.n >= len(s.dst) || s.out.n >= s.maxEnd {
			if err := s.grow(s.out.n, 1); err != nil {
				return err
			}
		}
		s.dst[s.out.n] = byte(s.bitbuf)
		s.out.n++
		s.consume(8)
		st.stored--
	}
	if st.stored > 0 {
		// The bit buffer is empty: its bits above the count would be of
		// the bytes copied below, not of those after them.
		s.bitbuf = 0
	}
	for st.stored > 0 {
		if s.ipos == len(s.in) {
			if s.more {
				s.pause(true)
				return nil
			}
			return corrupt(errTruncated)
		}
		k := min(st.stored, len(s.in)-s.ipos)
		if s.stop != math.MaxInt {
			if room := s.stop - s.out.n; room <= 0 {
				s.pause(false)
				return nil
			} else if room < k {
				k = room
			}
		}
		opos := s.out.n
		if k > len(s.dst)-opos || k > s.maxEnd-opos {
			if err := s.grow(opos, k); err != nil {
				return err
			}
		}
		copy(s.dst[opos:opos+k], s.in[s.ipos:])
		s.ipos += k
		s.out.n = opos + k
		st.stored -= k
		if s.out.n >= s.checkAt {
			if err := s.validate(s.out.n); err != nil {
				return err
			}
		}
	}
	return nil
}

// dynamic reads the code definitions of a block with dynamic Huffman codes
// (§3.2.7) and builds their tables, one step at a time so that it can
// pause between any two.
func (s *inflateState) dynamic() error {
	st := s.st
	t := st.tables
	if t == nil {
		t = inflateTablesPool.Get().(*inflateTables)
		st.tables = t
	}
	if st.phase == phDynCounts {
		if !s.have(14) {
			return nil
		}
		if s.nbits < 14 {
			s.refill()
		}
		st.nlit = int(s.bitbuf&31) + 257
		st.ndist = int(s.bitbuf>>5&31) + 1
		st.nclen = int(s.bitbuf>>10&15) + 4
		s.consume(14)
		if st.nlit > maxLitCodes {
			return s.fail(errTooManyLit)
		}
		if st.ndist > maxDistCodes {
			return s.fail(errTooManyDist)
		}
		st.plens = [numPrecodeSyms]uint8{}
		st.di = 0
		st.phase = phDynPre
	}
	if st.phase == phDynPre {
		for ; st.di < st.nclen; st.di++ {
			if !s.have(3) {
				return nil
			}
			if s.nbits < 3 {
				s.refill()
			}
			st.plens[precodeOrder[st.di]] = uint8(s.bitbuf & 7)
			s.consume(3)
		}
		if msg := buildTable(t.pre[:], st.plens[:], precodeTemplates[:], preTableBits, codePrecode); msg != "" {
			return s.fail("code length code: " + msg)
		}
		st.di = 0
		st.phase = phDynLens
	}
	lens := t.lens[:st.nlit+st.ndist]
	for st.di < len(lens) {
		if !s.have(7 + 7) {
			return nil
		}
		i := st.di
		if s.nbits < 7+7 {
			s.refill()
		}
		e := t.pre[s.bitbuf&(preTableSize-1)]
		s.consume(uint(e & entTotal))
		sym := uint8(e >> entValShift)
		if sym < 16 {
			lens[i] = sym
			st.di++
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
		st.di += rep
	}
	if s.truncated() {
		return corrupt(errTruncated)
	}
	if lens[256] == 0 {
		return corrupt(errNoEndOfBlock)
	}
	if msg := buildTable(t.lit[:], lens[:st.nlit], litTemplates[:], litTableBits, codeLitlen); msg != "" {
		return corrupt("literal/length code: " + msg)
	}
	if msg := buildTable(t.dist[:], lens[st.nlit:], distTemplates[:], distTableBits, codeDist); msg != "" {
		return corrupt("distance code: " + msg)
	}
	st.lit, st.dist = &t.lit, &t.dist
	st.phase = phHuffman
	return nil
}
