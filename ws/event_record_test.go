package ws

import (
	"bytes"
	"testing"
	"unsafe"
)

// TestTakeEventRecords: batches give the events TakeEvent gives, with a
// close event only ever first in its batch, and the close reply queued as
// TakeEvent queues it.
func TestTakeEventRecords(t *testing.T) {
	in := cat(
		cframe(true, OpText, "one"), cframe(true, OpPing, "p"), cframe(false, OpBinary, "fr"),
		cframe(true, OpContinuation, "ag"), cframe(true, OpText, ""), cframe(true, OpText, "before close"),
		cframe(true, OpClose, closePayload(4001, "bye")),
	)
	for _, batch := range []int{1, 2, 3, 64} {
		a, b := server(t), server(t)
		a.Feed(in)
		b.Feed(in)
		var want []Event
		for e, ok := a.NextEvent(); ok; e, ok = a.NextEvent() {
			e.Data = bytes.Clone(e.Data)
			want = append(want, e)
		}
		var got []Event
		for {
			recs := make([]EventRecord, batch)
			n := b.TakeEventRecords(recs)
			if n == 0 {
				break
			}
			for i, r := range recs[:n] {
				if r.Type == EventClose && i > 0 {
					t.Fatalf("batch %d: a close event at %d of a batch", batch, i)
				}
				var d []byte
				if r.Len > 0 {
					d = bytes.Clone(unsafe.Slice(r.Data, r.Len))
				}
				got = append(got, Event{Type: r.Type, Opcode: r.Opcode, RSV: r.RSV, First: r.Flags&EvFirst != 0,
					Last: r.Flags&EvLast != 0, Compressed: r.Flags&EvCompressed != 0, Code: r.Code, Initiator: r.Initiator, Data: d})
			}
		}
		if len(got) != len(want) {
			t.Fatalf("batch %d: %d events, want %d", batch, len(got), len(want))
		}
		for i := range want {
			if got[i].Type != want[i].Type || got[i].Opcode != want[i].Opcode || got[i].First != want[i].First ||
				got[i].Last != want[i].Last || got[i].Code != want[i].Code || got[i].Initiator != want[i].Initiator ||
				!bytes.Equal(got[i].Data, want[i].Data) {
				t.Fatalf("batch %d, event %d: %+v, want %+v", batch, i, got[i], want[i])
			}
		}
		if !bytes.Equal(a.Output(), b.Output()) || len(b.Output()) == 0 {
			t.Fatalf("batch %d: output %x, want %x (pong and close reply)", batch, b.Output(), a.Output())
		}
	}
}

// BenchmarkReceiveRecords is W1/W2 as the C API runs them (bench/c): 64 KiB
// slices fed, events taken in batches of 256 records. One op is one message.
func BenchmarkReceiveRecords(b *testing.B) {
	for _, size := range []int{16, 1 << 10} {
		b.Run("text/"+sizeName(size), func(b *testing.B) {
			wire := receiveWire(OpText, size)
			c := mustConn(b, &Config{Role: RoleServer}, nil)
			recs := make([]EventRecord, 256)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			got := 0
			var sum uint32
			for got < b.N {
				for w := wire; len(w) > 0; {
					n := min(len(w), 64<<10)
					if _, err := c.Feed(w[:n]); err != nil {
						b.Fatal(err)
					}
					w = w[n:]
					for k := c.TakeEventRecords(recs); k > 0; k = c.TakeEventRecords(recs) {
						for _, r := range recs[:k] {
							sum += uint32(*r.Data) + uint32(*(*byte)(unsafe.Add(unsafe.Pointer(r.Data), r.Len-1)))
						}
						got += k
					}
				}
			}
			_ = sum
		})
	}
}

// TestRecHeadLayout: recHead reads evRec's fields where they are, and its
// two words land on EventRecord's fields (on this platform's byte order,
// which the fast path assumes little-endian).
func TestRecHeadLayout(t *testing.T) {
	r := evRec{typ: EventClose, op: OpClose, rsv: 5, flags: evFirst | evLast | evCompressed | evReply, init: ClosedByFailure, inCx: true, code: 4321}
	w := r.head()
	if w.typ() != EventClose || w.flags() != r.flags || !w.inCx() {
		t.Fatalf("head %#x: typ %v flags %#x inCx %v", uint64(w), w.typ(), w.flags(), w.inCx())
	}
	var d EventRecord
	d.Size = 99
	*(*uint32)(unsafe.Pointer(&d.Type)) = w.record32()
	*(*uint64)(unsafe.Pointer(&d.Code)) = w.record64()
	want := EventRecord{Size: 99, Type: EventClose, Opcode: OpClose, RSV: 5, Flags: evFirst | evLast | evCompressed, Code: 4321, Initiator: ClosedByFailure}
	if d != want {
		t.Fatalf("record %+v, want %+v", d, want)
	}
	if unsafe.Offsetof(d.Code) != unsafe.Offsetof(d.Type)+4 || unsafe.Offsetof(d.Data) != 16 {
		t.Fatal("EventRecord layout changed")
	}
}
