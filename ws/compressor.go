package ws

// Compressor and Decompressor do permessage-deflate (RFC 7692 §7.2) one
// message at a time outside a Conn, for frame-level code such as the Perl
// layer's PMCE::deflate data objects. They share the Conn's machinery:
// pooled flate state, only the history window kept per object.

// Compressor compresses the messages one endpoint sends.
type Compressor struct {
	d      *deflater
	active bool
}

// NewCompressor returns a compressor using flate level (1..9, 0 for the
// default), an LZ77 window of 2^windowBits bytes (8..15) and, with
// contextTakeover, the previous messages as history.
func NewCompressor(level, windowBits int, contextTakeover bool) (*Compressor, error) {
	if level < 0 || level > 9 || windowBits < 8 || windowBits > 15 {
		return nil, newError(CodeArg, "compressor: level must be 0..9 and window bits 8..15")
	}
	if level == 0 {
		level = DefaultCompressLevel
	}
	return &Compressor{d: newDeflater(level, windowBits, contextTakeover, 0)}, nil
}

// Compress appends to dst the compressed form of p, the next part of the
// current message, and returns the extended slice. The first call after a
// final one starts a new message. With final the message ends and its
// trailing 00 00 ff ff is removed (§7.2.1); the result is then the payload
// of a frame with RSV1 (or, for a message sent in several frames, the
// concatenation of their payloads).
func (z *Compressor) Compress(dst, p []byte, final bool) ([]byte, error) {
	if !z.active {
		z.d.begin()
		z.active = true
	}
	out, err := z.d.write(p, final)
	if err != nil {
		z.d.end()
		z.active = false
		return dst, err
	}
	dst = append(dst, out...)
	if final {
		z.d.end()
		z.active = false
	}
	return dst, nil
}

// Close returns pooled state held for an unfinished message. The
// compressor remains usable.
func (z *Compressor) Close() {
	if z.active {
		z.d.end()
		z.active = false
	}
}

// Decompressor decompresses the messages one endpoint receives.
type Decompressor struct {
	f       *inflater
	max     int64
	scratch []byte // the payload and deflateTail, contiguous
}

// NewDecompressor returns a decompressor for a peer compressing with an
// LZ77 window of up to 2^windowBits bytes and, with contextTakeover,
// keeping history between messages. maxSize bounds one inflated message
// (0: DefaultMaxMessageSize, negative: unlimited).
func NewDecompressor(windowBits int, contextTakeover bool, maxSize int64) (*Decompressor, error) {
	if windowBits < 8 || windowBits > 15 {
		return nil, newError(CodeArg, "decompressor: window bits must be 8..15")
	}
	return &Decompressor{f: newInflater(windowBits, contextTakeover), max: orDefault64(maxSize, DefaultMaxMessageSize)}, nil
}

// Decompress appends to dst the message whose compressed payload (all its
// frames' payloads joined) is p, and returns the extended slice. Errors
// carry the close code a connection would fail with: 1007 for corrupt
// data, 1009 for output beyond the size limit.
func (z *Decompressor) Decompress(dst, p []byte) ([]byte, error) {
	out := buffer{b: dst[:cap(dst)], n: len(dst)}
	err := z.into(&out, goAlloc{}, p)
	return out.b[:out.n], err
}

// DecompressTo decompresses into b, whose memory comes from a; b's previous
// contents are dropped. It is the C API's way to keep output in C memory.
func (z *Decompressor) DecompressTo(b *Buffer, a Allocator, p []byte) error {
	b.buf.n = 0
	return z.into(&b.buf, a, p)
}

// into inflates p and the tail the sender removed (§7.2.2). A small
// payload is copied next to the tail and inflated in one pass; a larger
// one (which may be the caller's C memory, of any size) is fed as it is,
// then the tail, so that the Go heap never holds a copy sized by p.
func (z *Decompressor) into(out *buffer, a Allocator, p []byte) error {
	if len(p) > retainMax-len(deflateTail) {
		_, err := z.f.inflate(p, true, out, a, z.max, nil)
		return err
	}
	z.scratch = append(append(z.scratch[:0], p...), deflateTail...)
	_, err := z.f.inflate(z.scratch, false, out, a, z.max, nil)
	return err
}

// Buffer is a byte buffer whose memory comes from an Allocator.
type Buffer struct{ buf buffer }

// Bytes returns the contents; valid until the buffer is next changed.
func (b *Buffer) Bytes() []byte { return b.buf.b[:b.buf.n] }

// Set replaces the contents with p.
func (b *Buffer) Set(a Allocator, p []byte) bool {
	b.buf.n = 0
	dst := b.buf.reserve(a, len(p))
	if dst == nil {
		return false
	}
	copy(dst, p)
	b.buf.n = len(p)
	return true
}

// Release returns the memory to a.
func (b *Buffer) Release(a Allocator) { b.buf.release(a) }
