package ws

import "unsafe"

// EventRecord is an Event laid out as C's ws_event (include/ws.h), so that
// a C binding can have events written straight into the array its caller
// passed: one pass over the queue, no Event in between. Flags holds
// EvFirst, EvLast and EvCompressed; Data points at Len bytes of the
// connection's buffers, valid as an Event's Data is. Go hosts use
// TakeEvent.
type EventRecord struct {
	Size      uint32 // the caller's; never written
	Type      EventType
	Opcode    Opcode
	RSV       uint8
	Flags     uint8
	Code      CloseCode
	Initiator Initiator
	reserved0 uint8
	reserved1 uint32
	Data      *byte
	Len       uintptr
}

// EventRecord.Flags bits (WS_EVF_* in ws.h).
const (
	EvFirst      = evFirst
	EvLast       = evLast
	EvCompressed = evCompressed
)

// TakeEventRecords takes up to len(dst) queued events into dst, as that
// many TakeEvent calls would, except that a close event is only ever the
// first of a batch: taking it may queue the close reply, so the host sees
// the messages before it first and can answer them. It returns the number
// taken.
func (c *Conn) TakeEventRecords(dst []EventRecord) int {
	n := 0
	for n < len(dst) && c.evHead < len(c.evq) {
		r := &c.evq[c.evHead]
		if r.typ == EventClose && n > 0 {
			break
		}
		c.evHead++
		buf := &c.rx
		if r.inCx {
			buf = &c.cx
		}
		if r.flags&evReply != 0 {
			if r.init == ClosedByFailure {
				c.replyFailure()
			} else {
				c.replyClose(r.code, buf.b[r.off:r.off+r.n])
			}
		}
		d := &dst[n]
		d.Type, d.Opcode, d.RSV = r.typ, r.op, r.rsv
		d.Flags = r.flags & (evFirst | evLast | evCompressed)
		d.Code, d.Initiator, d.reserved0, d.reserved1 = r.code, r.init, 0, 0
		d.Data, d.Len = nil, uintptr(r.n)
		if r.n > 0 {
			d.Data = (*byte)(unsafe.Pointer(&buf.b[r.off]))
		}
		n++
	}
	return n
}
