package ws

import (
	"encoding/binary"
	"strconv"
)

// Header is a decoded frame header (RFC 6455 §5.2).
type Header struct {
	Fin    bool
	RSV    uint8 // RSV1 = 4, RSV2 = 2, RSV3 = 1
	Opcode Opcode
	Masked bool
	Mask   [4]byte
	Length int64 // payload length
}

// MaxHeaderLen is the longest possible frame header: 2 + 8 (length) + 4 (mask).
const MaxHeaderLen = 14

// Len returns the encoded length of h: 2 to 14 bytes.
func (h *Header) Len() int {
	n := 2
	switch {
	case h.Length > 0xFFFF:
		n += 8
	case h.Length > 125:
		n += 2
	}
	if h.Masked {
		n += 4
	}
	return n
}

// Check reports whether h may be sent: a 4-bit opcode, RSV within three
// bits, a non-negative length, and for control frames FIN set and at most
// 125 bytes (§5.5). Reserved opcodes and RSV bits are the caller's to
// allow (an extension may claim them).
func (h *Header) Check() error {
	switch {
	case h.Opcode > 0xF:
		return newError(CodeArg, "frame opcode "+strconv.Itoa(int(h.Opcode))+" does not fit in 4 bits")
	case h.RSV > 7:
		return newError(CodeArg, "frame RSV bits do not fit in 3 bits")
	case h.Length < 0:
		return newError(CodeArg, "frame length is negative")
	case h.Opcode.IsControl() && !h.Fin:
		return newError(CodeArg, "control frame ("+h.Opcode.String()+") cannot be fragmented (RFC 6455 §5.5)")
	case h.Opcode.IsControl() && h.Length > 125:
		return newError(CodeArg, "control frame ("+h.Opcode.String()+") payload is longer than 125 bytes (RFC 6455 §5.5)")
	}
	return nil
}

// AppendHeader appends the wire form of h to dst, using the minimal length
// encoding (§5.2: "the minimal number of bytes MUST be used").
func AppendHeader(dst []byte, h *Header) []byte {
	var b [MaxHeaderLen]byte
	return append(dst, b[:putHeader(b[:], h)]...)
}

// putHeader writes h into b (len ≥ h.Len()) and returns its length.
func putHeader(b []byte, h *Header) int {
	b0 := byte(h.Opcode&0xF) | (h.RSV&7)<<4
	if h.Fin {
		b0 |= 0x80
	}
	b[0] = b0
	var m byte
	if h.Masked {
		m = 0x80
	}
	n := 2
	switch l := h.Length; {
	case l <= 125:
		b[1] = m | byte(l)
	case l <= 0xFFFF:
		b[1] = m | 126
		binary.BigEndian.PutUint16(b[2:], uint16(l))
		n = 4
	default:
		b[1] = m | 127
		binary.BigEndian.PutUint64(b[2:], uint64(l))
		n = 10
	}
	if h.Masked {
		copy(b[n:], h.Mask[:])
		n += 4
	}
	return n
}

// HeaderNeed returns how many bytes the header starting at b needs in all:
// 2 when fewer than two bytes are known, else the full header length.
func HeaderNeed(b []byte) int {
	if len(b) < 2 {
		return 2
	}
	n := 2
	switch b[1] & 0x7F {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b[1]&0x80 != 0 {
		n += 4
	}
	return n
}

// ParseHeader decodes the frame header at the start of b. When b holds the
// whole header it returns the header and its length; when b is too short it
// returns n == 0 and a nil error (HeaderNeed tells how many bytes are
// needed). It enforces the rules that hold for every frame whatever was
// negotiated: the 64-bit length's most significant bit is 0 and lengths use
// the minimal encoding (§5.2); control frames are not fragmented and carry at
// most 125 bytes (§5.5). Errors are protocol errors (close code 1002).
func ParseHeader(b []byte) (h Header, n int, err error) {
	n, err = parseHeader(&h, b)
	return h, n, err
}

// parseHeader is ParseHeader decoding into *h (the Parser decodes into its
// own: returning a Header by value and copying it on cost a tenth of a
// small frame's time). *h is left alone when b is too short.
func parseHeader(h *Header, b []byte) (n int, err error) {
	need := HeaderNeed(b)
	if len(b) < need {
		return 0, nil
	}
	*h = Header{}
	b0, b1 := b[0], b[1]
	h.Fin = b0&0x80 != 0
	h.RSV = (b0 >> 4) & 7
	h.Opcode = Opcode(b0 & 0xF)
	h.Masked = b1&0x80 != 0
	n = 2
	switch l := b1 & 0x7F; l {
	case 126:
		h.Length = int64(binary.BigEndian.Uint16(b[2:]))
		n = 4
		if h.Length <= 125 {
			return 0, protocolError(CloseProtocolError, "frame length uses a 16-bit field for a length that fits in 7 bits")
		}
	case 127:
		v := binary.BigEndian.Uint64(b[2:])
		n = 10
		if v>>63 != 0 {
			return 0, protocolError(CloseProtocolError, "frame length has the most significant bit set")
		}
		if v <= 0xFFFF {
			return 0, protocolError(CloseProtocolError, "frame length uses a 64-bit field for a length that fits in 16 bits")
		}
		h.Length = int64(v)
	default:
		h.Length = int64(l)
	}
	if h.Masked {
		copy(h.Mask[:], b[n:n+4])
		n += 4
	}
	if h.Opcode.IsControl() {
		if !h.Fin {
			return 0, protocolError(CloseProtocolError, "control frame ("+h.Opcode.String()+") is fragmented")
		}
		if h.Length > 125 {
			return 0, protocolError(CloseProtocolError, "control frame ("+h.Opcode.String()+") payload is longer than 125 bytes")
		}
	}
	return n, nil
}
