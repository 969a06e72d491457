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
	n := c.takePlainRecords(dst)
	for n < len(dst) && c.evHead < len(c.evq) {
		if c.evq[c.evHead].typ == EventClose && n > 0 {
			break
		}
		r, buf := c.take()
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

// takePlainRecords is TakeEventRecords' loop for the common run of queued
// events: data in the receive buffer, no close reply to queue, no close
// event. Each record is read as one word and written as two, not field by
// field (W1: 3.5 of 14 ns per 16-byte message went to the general loop).
// It stops at the first other event, which the general loop then takes.
func (c *Conn) takePlainRecords(dst []EventRecord) int {
	q := c.evq[c.evHead:]
	base := unsafe.Pointer(unsafe.SliceData(c.rx.b))
	n := 0
	for ; n < len(dst) && n < len(q); n++ {
		r := &q[n]
		w := r.head()
		if w.typ() == EventClose || w.flags()&evReply != 0 || w.inCx() {
			break
		}
		d := &dst[n]
		*(*uint32)(unsafe.Pointer(&d.Type)) = w.record32()
		*(*uint64)(unsafe.Pointer(&d.Code)) = w.record64()
		d.Data, d.Len = nil, uintptr(r.n)
		if r.n > 0 {
			d.Data = (*byte)(unsafe.Add(base, r.off)) // off+n <= len(c.rx.b)
		}
	}
	c.evHead += n
	return n
}

// recHead is an evRec's first 8 bytes as one little-endian word: typ, op,
// rsv, flags, init, inCx, code (TestRecHeadLayout pins the layout). A
// record's head then costs one load, and becomes an EventRecord's bytes
// 4-15 in two stores.
type recHead uint64

func (r *evRec) head() recHead { return *(*recHead)(unsafe.Pointer(r)) }

func (w recHead) typ() EventType { return EventType(w) }
func (w recHead) flags() uint8   { return uint8(w >> 24) }
func (w recHead) inCx() bool     { return uint8(w>>40) != 0 }

// record32 is EventRecord's Type, Opcode, RSV and Flags (only the public
// flags).
func (w recHead) record32() uint32 {
	return uint32(w) &^ (uint32(^(evFirst | evLast | evCompressed)) << 24)
}

// record64 is EventRecord's Code, Initiator and the zeroed reserved bytes.
func (w recHead) record64() uint64 { return uint64(w>>48) | uint64(uint8(w>>32))<<16 }
