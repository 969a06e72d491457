package ws

import (
	"encoding/binary"
	"strconv"
)

// ParserConfig configures a Parser.
type ParserConfig struct {
	// Role is the role of the endpoint that receives the frames: a server
	// requires masked frames, a client requires unmasked ones (§5.1).
	Role Role
	// MaxFrameSize and MaxMessageSize bound payloads (1009 when exceeded);
	// zero means the package defaults, negative means unlimited. For
	// compressed messages MaxMessageSize bounds the compressed size here;
	// the connection bounds the inflated size.
	MaxFrameSize, MaxMessageSize int64
	// AllowRSV lists RSV bits accepted on any frame (application extensions).
	AllowRSV uint8
	// Deflate accepts RSV1 on the first frame of a data message, as
	// permessage-deflate does (RFC 7692 §6).
	Deflate bool
	// AllowOpcodes is a bit set (1<<opcode) of reserved opcodes to accept.
	AllowOpcodes uint16
}

// Parser decodes a stream of frames incrementally. It does no I/O, keeps no
// copy of the input except up to 13 bytes of a split header, and never
// allocates: Parse returns segments that point into the caller's buffer.
// Any chunking of the same bytes yields the same frames and errors.
//
// Parser enforces every frame-level rule of RFC 6455: header encoding,
// control frame rules, mask direction, reserved bits and opcodes, the order
// of fragments, and the size limits. Errors are sticky and carry the close
// code to fail the connection with.
type Parser struct {
	role         Role
	maxFrame     int64
	maxMessage   int64
	allowRSV     uint8
	deflate      bool
	allowOpcodes uint16

	hdr     [MaxHeaderLen]byte // a header split across calls
	hn      int
	h       Header // the frame being read
	inFrame bool
	left    int64 // payload bytes of h not yet returned
	maskPos int

	msgOp  Opcode // data message in progress (fragments expected), or 0
	msgLen int64
	err    error
}

// Segment is a piece of a frame returned by Parser.Parse.
type Segment struct {
	// Header is the frame's header; it is set on every segment.
	Header Header
	// Start is true on the first segment of a frame (its header was just
	// decoded); End is true on the last (the payload is complete). A frame
	// with an empty payload is one segment with both set.
	Start, End bool
	// Data is payload from the input, still masked if Header.Masked; MaskPos
	// is the key offset its first byte is masked with. Unmask with
	// MaskCopy(dst, Data, Header.Mask, MaskPos).
	Data    []byte
	MaskPos int
	// Offset is the position of Data within the frame's payload.
	Offset int64
	// Continues is true when the frame belongs to a data message begun by an
	// earlier frame (it is a continuation frame).
	Continues bool
}

// NewParser returns a parser for the given configuration.
func NewParser(cfg ParserConfig) *Parser {
	p := &Parser{}
	p.init(cfg)
	return p
}

func (p *Parser) init(cfg ParserConfig) {
	*p = Parser{
		role:         cfg.Role,
		maxFrame:     orDefault64(cfg.MaxFrameSize, DefaultMaxFrameSize),
		maxMessage:   orDefault64(cfg.MaxMessageSize, DefaultMaxMessageSize),
		allowRSV:     cfg.AllowRSV & 7,
		deflate:      cfg.Deflate,
		allowOpcodes: cfg.AllowOpcodes,
	}
}

// Err returns the error that stopped the parser, if any.
func (p *Parser) Err() error { return p.err }

// Need returns how many more bytes the parser needs to finish what it is
// reading: 2 to start a header; the rest of the header and the whole
// payload once the header's length field is known; the rest of the payload
// inside a frame. It is at least 1 (unless the parser failed).
func (p *Parser) Need() int64 {
	if p.err != nil {
		return 0
	}
	if p.inFrame {
		return p.left
	}
	if p.hn < 2 {
		return int64(2 - p.hn)
	}
	// Once the length field is known, ask for the rest of the header and
	// the payload in one go: a read(N) host then needs two reads per frame.
	rest := int64(HeaderNeed(p.hdr[:p.hn]) - p.hn)
	switch l := p.hdr[1] & 0x7F; {
	case l < 126:
		return rest + int64(l)
	case l == 126 && p.hn >= 4:
		return rest + int64(binary.BigEndian.Uint16(p.hdr[2:4]))
	case l == 127 && p.hn >= 10:
		if n := binary.BigEndian.Uint64(p.hdr[2:10]); n < 1<<62 {
			return rest + int64(n)
		}
	}
	return rest
}

// InMessage reports whether a fragmented data message is in progress.
func (p *Parser) InMessage() bool { return p.msgOp != 0 }

// Parse consumes bytes from b and returns the next segment and how many
// bytes were used. When b ends inside a header, Parse consumes it all and
// returns an empty segment (Start and End false, no Data). Call Parse
// again with b[n:] until b is used up.
func (p *Parser) Parse(b []byte) (seg Segment, n int, err error) {
	if p.err != nil {
		return seg, 0, p.err
	}
	if !p.inFrame {
		if n, err = p.readHeader(b); err != nil || !p.inFrame {
			return seg, n, err
		}
		seg.Start = true
		b = b[n:]
	}
	seg.Header = p.h
	seg.Continues = p.h.Opcode == OpContinuation
	seg.Offset = p.h.Length - p.left
	seg.MaskPos = p.maskPos
	take := len(b)
	if int64(take) > p.left {
		take = int(p.left)
	}
	seg.Data = b[:take:take]
	p.left -= int64(take)
	p.maskPos = (p.maskPos + take) & 3
	n += take
	if p.left == 0 {
		seg.End = true
		p.inFrame = false
	}
	return seg, n, nil
}

// unread gives back the last k bytes of the payload the latest Parse
// returned: the next Parse returns them again, so the caller's next input
// must start with them.
func (p *Parser) unread(k int) {
	p.left += int64(k)
	p.maskPos = (p.maskPos - k) & 3
	p.inFrame = true
}

// readHeader gathers and checks a header; it sets p.inFrame when one is
// complete. It returns how many bytes of b it used.
func (p *Parser) readHeader(b []byte) (int, error) {
	h := &p.h // free: no frame is being read
	var hl, used int
	var err error
	if p.hn == 0 {
		// Common case: the whole header is in b.
		hl, err = parseHeader(h, b)
		if err != nil {
			return 0, p.fail(err)
		}
		if hl == 0 {
			p.hn = copy(p.hdr[:], b)
			return len(b), nil
		}
		used = hl
	} else {
		for {
			need := HeaderNeed(p.hdr[:p.hn])
			if p.hn >= need {
				break
			}
			if used == len(b) {
				return used, nil
			}
			c := copy(p.hdr[p.hn:need], b[used:])
			p.hn += c
			used += c
		}
		if _, err = parseHeader(h, p.hdr[:p.hn]); err != nil {
			return used, p.fail(err)
		}
		p.hn = 0
	}
	if err := p.check(h); err != nil {
		return used, p.fail(err)
	}
	p.inFrame = true
	p.left = h.Length
	p.maskPos = 0
	return used, nil
}

// check applies the rules that depend on role, negotiation and history.
func (p *Parser) check(h *Header) error {
	op := h.Opcode
	// §5.2: reserved opcodes fail the connection unless an extension claims them.
	if op.IsReserved() && p.allowOpcodes&(1<<op) == 0 {
		return protocolError(CloseProtocolError, "reserved opcode "+strconv.Itoa(int(op))+" without a negotiated extension")
	}
	// §5.2: RSV bits must be 0 unless an extension defines them. RFC 7692 §6:
	// permessage-deflate's RSV1 is set on the first frame of a compressed
	// data message only, never on continuations or control frames.
	allowed := p.allowRSV
	if p.deflate && (op == OpText || op == OpBinary) {
		allowed |= RSV1
	}
	if bad := h.RSV &^ allowed; bad != 0 {
		return protocolError(CloseProtocolError, "frame has RSV bits "+rsvString(bad)+" set without a negotiated extension that defines them")
	}
	// §5.1: clients mask, servers do not.
	if p.role == RoleServer && !h.Masked {
		return protocolError(CloseProtocolError, "client frame is not masked")
	}
	if p.role == RoleClient && h.Masked {
		return protocolError(CloseProtocolError, "server frame is masked")
	}
	if h.Length > p.maxFrame {
		return protocolError(CloseMessageTooBig, "frame of "+strconv.FormatInt(h.Length, 10)+" bytes exceeds the limit of "+strconv.FormatInt(p.maxFrame, 10))
	}
	if op.IsControl() {
		return nil
	}
	// §5.4: fragments of one message are sent in order, not interleaved
	// with other data messages.
	if op == OpContinuation {
		if p.msgOp == 0 {
			return protocolError(CloseProtocolError, "continuation frame without a message to continue")
		}
	} else {
		if p.msgOp != 0 {
			return protocolError(CloseProtocolError, "new "+op.String()+" message while a fragmented "+p.msgOp.String()+" message is incomplete")
		}
		p.msgLen = 0
	}
	p.msgLen += h.Length
	if p.msgLen > p.maxMessage {
		return protocolError(CloseMessageTooBig, "message exceeds the limit of "+strconv.FormatInt(p.maxMessage, 10)+" bytes")
	}
	switch {
	case h.Fin:
		p.msgOp = 0
	case op != OpContinuation:
		p.msgOp = op
	}
	return nil
}

func (p *Parser) fail(err error) error {
	p.err = err
	return err
}

func rsvString(bits uint8) string {
	s := ""
	for i, name := range []string{"RSV1", "RSV2", "RSV3"} {
		if bits&(4>>i) != 0 {
			if s != "" {
				s += "+"
			}
			s += name
		}
	}
	return s
}
