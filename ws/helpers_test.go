package ws

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand"
	"testing"
)

// rfcMaskKey is the masking key of RFC 6455 §5.7's examples.
var rfcMaskKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// frame builds one frame's wire bytes; masked frames use rfcMaskKey.
func frame(fin bool, rsv uint8, op Opcode, masked bool, payload []byte) []byte {
	h := Header{Fin: fin, RSV: rsv, Opcode: op, Masked: masked, Length: int64(len(payload))}
	if masked {
		h.Mask = rfcMaskKey
	}
	b := AppendHeader(nil, &h)
	start := len(b)
	b = append(b, payload...)
	if masked {
		MaskBytes(h.Mask, 0, b[start:])
	}
	return b
}

// cframe is a masked frame from a client; sframe an unmasked one from a server.
func cframe(fin bool, op Opcode, payload string) []byte {
	return frame(fin, 0, op, true, []byte(payload))
}

func sframe(fin bool, op Opcode, payload string) []byte {
	return frame(fin, 0, op, false, []byte(payload))
}

func closePayload(code CloseCode, reason string) string {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], uint16(code))
	return string(b[:]) + reason
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// ev is a copy of an Event that outlives the connection's buffers.
type ev struct {
	Type        EventType
	Op          Opcode
	Data        string
	First, Last bool
	Compressed  bool
	RSV         uint8
	Code        CloseCode
	Init        Initiator
}

func (e ev) String() string {
	return fmt.Sprintf("%v op=%v %q first=%v last=%v z=%v rsv=%d code=%d init=%v", e.Type, e.Op, e.Data, e.First, e.Last, e.Compressed, e.RSV, e.Code, e.Init)
}

func copyEvent(e Event) ev {
	return ev{Type: e.Type, Op: e.Opcode, Data: string(e.Data), First: e.First, Last: e.Last, Compressed: e.Compressed, RSV: e.RSV, Code: e.Code, Init: e.Initiator}
}

// drain returns all queued events.
func drain(c *Conn) []ev {
	var out []ev
	for e, ok := c.NextEvent(); ok; e, ok = c.NextEvent() {
		out = append(out, copyEvent(e))
	}
	return out
}

// feedSplit feeds b in pieces of the given sizes (cycled), draining events
// after each feed, and returns all events.
func feedSplit(t testing.TB, c *Conn, b []byte, sizes ...int) []ev {
	t.Helper()
	var out []ev
	for i := 0; len(b) > 0; i++ {
		n := len(b)
		if len(sizes) > 0 {
			n = min(sizes[i%len(sizes)], len(b))
		}
		out = append(out, feedTaking(t, c, b[:n])...)
		b = b[n:]
	}
	return out
}

// feedTaking feeds b, taking the events whenever the receive budget stops
// Feed, and returns the events.
func feedTaking(t testing.TB, c *Conn, b []byte) []ev {
	t.Helper()
	var out []ev
	for {
		k, err := c.Feed(b)
		if err != nil {
			t.Fatalf("Feed: %v", err)
		}
		got := drain(c)
		out = append(out, got...)
		if b = b[k:]; len(b) == 0 {
			return out
		}
		if k == 0 && len(got) == 0 {
			t.Fatalf("Feed made no progress with %d bytes left", len(b))
		}
	}
}

// feedRandom feeds b in random pieces.
func feedRandom(t testing.TB, c *Conn, b []byte, rng *rand.Rand) []ev {
	t.Helper()
	var out []ev
	for len(b) > 0 {
		n := 1 + rng.Intn(min(len(b), 1+rng.Intn(64)))
		out = append(out, feedTaking(t, c, b[:n])...)
		b = b[n:]
	}
	return out
}

// wireFrame is a frame read back from a connection's output.
type wireFrame struct {
	Fin  bool
	RSV  uint8
	Op   Opcode
	Data string
}

// outFrames parses and consumes everything c has queued, as the peer would.
func outFrames(t testing.TB, c *Conn) []wireFrame {
	t.Helper()
	peer := RoleClient
	if c.Role() == RoleClient {
		peer = RoleServer
	}
	p := NewParser(ParserConfig{Role: peer, AllowRSV: 7, AllowOpcodes: 0xF8F8, MaxFrameSize: -1, MaxMessageSize: -1})
	b := c.Output()
	var out []wireFrame
	var cur []byte
	for len(b) > 0 {
		seg, n, err := p.Parse(b)
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		b = b[n:]
		d := make([]byte, len(seg.Data))
		unmaskInto(d, &seg)
		cur = append(cur, d...)
		if seg.End {
			out = append(out, wireFrame{Fin: seg.Header.Fin, RSV: seg.Header.RSV, Op: seg.Header.Opcode, Data: string(cur)})
			cur = nil
		}
	}
	if err := c.Consume(c.OutputLen()); err != nil {
		t.Fatal(err)
	}
	return out
}

func mustConn(t testing.TB, cfg *Config, a *Agreement) *Conn {
	t.Helper()
	c, err := NewConn(cfg, a)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func server(t testing.TB) *Conn { return mustConn(t, &Config{Role: RoleServer}, nil) }
func client(t testing.TB) *Conn { return mustConn(t, &Config{Role: RoleClient}, nil) }

// handshakePair connects a client and a server in memory.
func handshakePair(t testing.TB, ccfg, scfg *Config) (*Conn, *Conn) {
	t.Helper()
	ccfg.Role, scfg.Role = RoleClient, RoleServer
	cc, err := NewClient(ccfg, "ws://example.com/ws")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := NewServer(scfg)
	if err != nil {
		t.Fatal(err)
	}
	pump(t, cc, sc)
	if cc.State() != StateOpen || sc.State() != StateOpen {
		t.Fatalf("handshake failed: client %v (%v), server %v (%v)", cc.State(), cc.Err(), sc.State(), sc.Err())
	}
	drain(cc)
	drain(sc)
	return cc, sc
}

// pump moves output between two connections until both are quiet. Events
// stay queued.
func pump(t testing.TB, a, b *Conn) {
	t.Helper()
	for i := 0; i < 100 && (a.OutputLen() > 0 || b.OutputLen() > 0); i++ {
		for _, d := range [][2]*Conn{{a, b}, {b, a}} {
			from, to := d[0], d[1]
			if from.OutputLen() == 0 {
				continue
			}
			if _, err := to.Feed(from.Output()); err != nil {
				t.Fatalf("Feed: %v", err)
			}
			_ = from.Consume(from.OutputLen())
		}
	}
}

// exchange sends everything queued on from to to and returns to's events.
func exchange(t testing.TB, from, to *Conn) []ev {
	t.Helper()
	if _, err := to.Feed(from.Output()); err != nil {
		t.Fatalf("Feed: %v", err)
	}
	_ = from.Consume(from.OutputLen())
	return drain(to)
}

func equalEvents(t testing.TB, got, want []ev) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d:\n got: %v\nwant: %v", len(got), len(want), got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("event %d:\n got: %v\nwant: %v", i, got[i], want[i])
		}
	}
}

func text(s string) ev { return ev{Type: EventText, Op: OpText, Data: s, First: true, Last: true} }
func binary_(s string) ev {
	return ev{Type: EventBinary, Op: OpBinary, Data: s, First: true, Last: true}
}
func ping(s string) ev { return ev{Type: EventPing, Op: OpPing, Data: s, First: true, Last: true} }
func pong(s string) ev { return ev{Type: EventPong, Op: OpPong, Data: s, First: true, Last: true} }
