package ws

import (
	"bytes"
	"math/rand"
	"testing"
)

// sizeAlloc refuses allocations of more than max bytes.
type sizeAlloc struct{ max int }

func (a sizeAlloc) Alloc(n int) []byte {
	if n > a.max {
		return nil
	}
	return make([]byte, n)
}
func (sizeAlloc) Free([]byte) {}

func deflatePair(t *testing.T, takeover bool, calloc, salloc Allocator) (*Conn, *Conn) {
	t.Helper()
	p := DeflateParams{ServerNoContextTakeover: !takeover, ClientNoContextTakeover: !takeover, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	cc := mustConn(t, &Config{Role: RoleClient, Deflate: &DeflateConfig{}, Alloc: calloc}, &Agreement{Deflate: &p})
	sc := mustConn(t, &Config{Role: RoleServer, Deflate: &DeflateConfig{}, Alloc: salloc}, &Agreement{Deflate: &p})
	return cc, sc
}

// The frame is built in the output buffer: every length encoding (§5.2,
// around 125 and 65535 bytes of payload), masked or not, with and without
// context takeover, whole or in fragments, arrives intact.
func TestCompressedFrameLengths(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	noise := make([]byte, 200<<10)
	rng.Read(noise)
	sizes := []int{0, 1, 100, 115, 120, 125, 126, 127, 200, 65000, 65530, 65535, 65536, 65540, 70000, 150000}
	for _, takeover := range []bool{true, false} {
		cc, sc := deflatePair(t, takeover, nil, nil)
		for _, dir := range [][2]*Conn{{cc, sc}, {sc, cc}} {
			from, to := dir[0], dir[1]
			for _, n := range sizes {
				msg := noise[:n] // incompressible: the payload is about n bytes
				if err := from.SendMessage(OpBinary, msg, Compress); err != nil {
					t.Fatalf("send %d: %v", n, err)
				}
				if err := from.BeginMessage(OpBinary, 0); err != nil {
					t.Fatal(err)
				}
				if err := from.SendFragment(msg[:n/2], false); err != nil {
					t.Fatal(err)
				}
				if err := from.SendFragment(msg[n/2:], true); err != nil {
					t.Fatal(err)
				}
				got := exchange(t, from, to)
				if len(got) != 2 || got[0].Data != string(msg) || got[1].Data != string(msg) {
					t.Fatalf("takeover %v, %v sending %d bytes: %d events, lengths %v", takeover, from.role, n, len(got), got)
				}
			}
		}
	}
}

// A compressed send whose output cannot be allocated fails with CodeNoMem,
// queues nothing, and leaves the stream usable: with context takeover the
// next message still decodes, since the failed one is not in the history,
// and a message whose fragment failed can be finished.
func TestCompressedSendNoMem(t *testing.T) {
	for _, role := range []Role{RoleServer, RoleClient} {
		a := sizeAlloc{max: 1 << 20}
		cc, sc := deflatePair(t, true, a, a)
		from, to := sc, cc
		if role == RoleClient {
			from, to = cc, sc
		}
		small := bytes.Repeat([]byte("hello, history "), 20)
		want := text(string(small))
		want.Compressed = true
		if err := from.SendMessage(OpText, small, 0); err != nil {
			t.Fatal(err)
		}
		equalEvents(t, exchange(t, from, to), []ev{want})
		big := make([]byte, 4<<20)
		rand.New(rand.NewSource(1)).Read(big)
		wantCode(t, from.SendMessage(OpBinary, big, 0), CodeNoMem)
		if from.OutputLen() != 0 {
			t.Fatalf("%v: %d bytes queued after a failed send", role, from.OutputLen())
		}
		if err := from.BeginMessage(OpBinary, 0); err != nil {
			t.Fatal(err)
		}
		wantCode(t, from.SendFragment(big, true), CodeNoMem)
		from.endSend()
		if err := from.SendMessage(OpText, small, 0); err != nil {
			t.Fatalf("%v: send after the failure: %v", role, err)
		}
		equalEvents(t, exchange(t, from, to), []ev{want})
		// A fragment that fails in the middle of a message: the message
		// goes on with the next one.
		if err := from.BeginMessage(OpBinary, 0); err != nil {
			t.Fatal(err)
		}
		if err := from.SendFragment(small, false); err != nil {
			t.Fatal(err)
		}
		wantCode(t, from.SendFragment(big, false), CodeNoMem)
		if err := from.SendFragment(small, true); err != nil {
			t.Fatalf("%v: the fragment after the failure: %v", role, err)
		}
		if got := exchange(t, from, to); len(got) != 1 || got[0].Data != string(small)+string(small) {
			t.Fatalf("%v: the message around the failed fragment: %v", role, got)
		}
		if err := from.SendMessage(OpText, small, 0); err != nil {
			t.Fatal(err)
		}
		equalEvents(t, exchange(t, from, to), []ev{want})
	}
}
