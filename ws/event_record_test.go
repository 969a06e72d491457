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
