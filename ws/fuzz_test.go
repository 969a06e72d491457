package ws

import (
	"bytes"
	"reflect"
	"testing"
)

// Native fuzz targets (go test -fuzz). Seeds are added here and in
// testdata/fuzz; `make fuzz` runs each target briefly.

func fuzzSeeds(f *testing.F) {
	f.Add(cat(cframe(true, OpText, "Hello"), cframe(false, OpBinary, "a"), cframe(true, OpPing, "p"), cframe(true, OpContinuation, "b")), uint8(3))
	f.Add(cat(cframe(true, OpClose, closePayload(1000, "bye"))), uint8(1))
	f.Add([]byte{0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4}, uint8(5))
	f.Add(frame(true, RSV1, OpText, true, []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), uint8(2))
	f.Add(cframe(true, OpText, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"), uint8(7))
}

// FuzzParser: any split of the input gives the same frames and error.
func FuzzParser(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		cfg := ParserConfig{Role: RoleServer, Deflate: split&1 != 0, MaxFrameSize: 1 << 16, MaxMessageSize: 1 << 17}
		whole := parseAll(cfg, data, func(n int) int { return n })
		step := int(split)%17 + 1
		pieces := parseAll(cfg, data, func(n int) int { return min(n, step) })
		if !reflect.DeepEqual(whole, pieces) {
			t.Fatalf("split %d changes the frames:\n%v\n%v", step, whole, pieces)
		}
	})
}

// FuzzConn: a server connection fed random bytes never panics, gives the
// same events however the bytes are split, and keeps its invariants.
func FuzzConn(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		mk := func() *Conn {
			cfg := &Config{Role: RoleServer, MaxMessageSize: 1 << 16, Streaming: split&0x80 != 0}
			var a *Agreement
			if split&1 != 0 {
				a = &Agreement{Deflate: &DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 9 + int(split>>1)%7}}
			}
			return mustConn(t, cfg, a)
		}
		c1 := mk()
		whole := feedSplit(t, c1, data)
		c2 := mk()
		pieces := feedSplit(t, c2, data, int(split)%13+1)
		if streamingJoin(whole) != streamingJoin(pieces) {
			t.Fatalf("split changes the events:\n%v\n%v", whole, pieces)
		}
		if !bytes.Equal(c1.Output(), c2.Output()) && c1.Role() == RoleServer {
			t.Fatalf("split changes the output")
		}
		closes := 0
		for _, e := range whole {
			if e.Type == EventClose {
				closes++
			}
		}
		if closes > 1 {
			t.Fatalf("%d close events", closes)
		}
		// Whatever happened, the connection still answers calls sanely.
		c1.SendText([]byte("x"))
		c1.Heartbeat()
		c1.FeedEOF()
		drain(c1)
	})
}

// streamingJoin renders events with streamed chunks merged into their
// message, since chunk boundaries legitimately follow the input's. Chunks
// of a message that never completed are left out: how much of it was
// delivered before a failure depends on where the input was cut.
func streamingJoin(evs []ev) string {
	id := make([]int, len(evs))
	done := map[int]bool{}
	cur := 0
	for i, e := range evs {
		if e.Type == EventText || e.Type == EventBinary || e.Type == EventData {
			if e.First {
				cur = i + 1
			}
			id[i] = cur
			if e.Last {
				done[cur] = true
			}
		}
	}
	var b bytes.Buffer
	data := map[int]*bytes.Buffer{}
	for i, e := range evs {
		if id[i] != 0 {
			if !done[id[i]] {
				continue
			}
			if e.First {
				data[id[i]] = &bytes.Buffer{}
				b.WriteString("|" + e.Type.String() + ":")
			}
			data[id[i]].WriteString(e.Data)
			if e.Last {
				b.WriteString(data[id[i]].String())
			}
			continue
		}
		b.WriteString("|" + e.Type.String() + ":" + e.Op.String() + ":" + e.Data)
		if e.Type == EventClose {
			b.WriteString(":" + e.Code.String())
		}
	}
	return b.String()
}

// FuzzInflate: arbitrary compressed payloads never panic, never exceed the
// limit, and an accepted message round-trips through our compressor.
func FuzzInflate(f *testing.F) {
	f.Add([]byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, true)
	f.Add([]byte{0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}, false)
	f.Add([]byte{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}, true)
	f.Fuzz(func(t *testing.T, z []byte, takeover bool) {
		const max = 1 << 16
		in := newInflater(15, takeover)
		var out buffer
		for round := 0; round < 2; round++ {
			out.n = 0
			n, err := in.inflate(append(append([]byte(nil), z...), deflateTail...), false, &out, goAlloc{}, max, nil)
			if n > max+1 || len(out.b) > 2*max+8192 {
				t.Fatalf("inflate produced %d bytes (buffer %d) for a limit of %d", n, len(out.b), max)
			}
			if err != nil {
				return
			}
		}
	})
}
