package ws

import (
	"bytes"
	"testing"
)

// TestPongsCoalesced: 100,000 pings fed while the host never writes its
// output leave maxPongRun pongs queued, the last answering the last ping
// (§5.5.3); fewer pings are each answered.
func TestPongsCoalesced(t *testing.T) {
	c := server(t)
	var wire []byte
	for i := 0; i < 100000; i++ {
		wire = append(wire, frame(true, 0, OpPing, true, []byte{byte(i), byte(i >> 8), byte(i >> 16)})...)
	}
	evs := feedTaking(t, c, wire)
	if len(evs) != 100000 {
		t.Fatalf("%d ping events", len(evs))
	}
	fs := outFrames(t, c)
	if len(fs) != maxPongRun || fs[0].Data != "\x00\x00\x00" || fs[maxPongRun-1].Data != string([]byte{0x9f, 0x86, 0x01}) {
		t.Fatalf("%d pongs (last %v), want %d ending with the answer to the last ping", len(fs), fs[len(fs)-1], maxPongRun)
	}
	feedTaking(t, c, bytes.Repeat(frame(true, 0, OpPing, true, []byte("x")), 10))
	if fs := outFrames(t, c); len(fs) != 10 {
		t.Fatalf("%d pongs for 10 pings in one read", len(fs))
	}
	// A pong already (partly) written is not taken back.
	feedTaking(t, c, bytes.Repeat(frame(true, 0, OpPing, true, []byte("a")), maxPongRun))
	if err := c.Consume(len(c.Output()) - 2); err != nil {
		t.Fatal(err)
	}
	feedTaking(t, c, frame(true, 0, OpPing, true, []byte("b")))
	if got := c.Output(); !bytes.Equal(got, []byte{1, 'a', 0x8a, 1, 'b'}) {
		t.Fatalf("output % x, want the rest of the first pong and the second", got)
	}
}

// TestPongsOutputCap: when the host's own sends keep pongs from being
// coalesced, a peer that pings without reading fails the connection with
// 1008 once the unsent output reaches MaxOutput, instead of growing it.
func TestPongsOutputCap(t *testing.T) {
	const limit = 64 << 10
	c := mustConn(t, &Config{Role: RoleServer, MaxOutput: limit}, nil)
	msg := bytes.Repeat([]byte("x"), 1000)
	for i := 0; ; i++ {
		if i > 1000 {
			t.Fatal("no failure after 1000 pings")
		}
		evs := feedTaking(t, c, frame(true, 0, OpPing, true, []byte("p")))
		if last := evs[len(evs)-1]; last.Type == EventClose {
			if last.Code != ClosePolicyViolation || last.Init != ClosedByFailure {
				t.Fatalf("close %v", last)
			}
			break
		}
		c.SendBinary(msg) // fails with CodeOutputFull once at the cap
	}
	if n := c.OutputLen(); n > limit+1000+200 {
		t.Fatalf("%d bytes of output with a cap of %d", n, limit)
	}
}
