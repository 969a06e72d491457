package ws

import "encoding/binary"

// writeCompressed compresses p, the next part of the message being sent,
// and queues it as one frame with RSV1 on the first (RFC 7692 §6.1). The
// encoder writes straight into the output buffer after room for the
// longest header; once the payload's length is known the header is put in
// front of it, moving a payload of at most 64 KiB by up to 8 bytes when a
// shorter length encoding fits (§5.2: the minimal one).
func (c *Conn) writeCompressed(op Opcode, rsv uint8, fin bool, p []byte) error {
	masked := c.role == RoleClient
	hmax := 10
	if masked {
		hmax += 4
	}
	if c.txOff > 0 && c.txOff >= c.tx.n-c.txOff {
		c.tx.drop(c.txOff)
		c.txOff = 0
	}
	// Room for the header and, for a small message, all its output.
	if c.tx.reserve(c.alloc, hmax+min(len(p)+16, 64<<10)) == nil {
		return errSendNoMem()
	}
	start := c.tx.n
	c.tx.n += hmax
	n, err := c.defl.writeTo(&c.tx, c.alloc, p, fin)
	if err != nil {
		c.tx.n = start
		return err
	}
	hl, l7 := 2, byte(n)
	switch {
	case n > 0xFFFF:
		hl, l7 = 10, 127
	case n > 125:
		hl, l7 = 4, 126
	}
	if masked {
		hl += 4
	}
	b := c.tx.b[start:c.tx.n]
	if hl < hmax {
		copy(b[hl:], b[hmax:])
		c.tx.n -= hmax - hl
		b = b[:hl+n]
	}
	b0 := byte(op&0xF) | (rsv&7)<<4
	if fin {
		b0 |= 0x80
	}
	b[0], b[1] = b0, l7
	switch l7 {
	case 126:
		binary.BigEndian.PutUint16(b[2:4], uint16(n))
	case 127:
		binary.BigEndian.PutUint64(b[2:10], uint64(n))
	}
	if masked {
		b[1] |= 0x80
		// §5.3: a fresh, unpredictable key for every frame.
		key := c.masks.next()
		copy(b[hl-4:hl], key[:])
		maskCopy(b[hl:], b[hl:], key, 0)
	}
	c.tx.peak = max(c.tx.peak, c.tx.n)
	c.pongRun = 0
	return nil
}
