package ws

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

func failure(code CloseCode) ev {
	return ev{Type: EventClose, Op: OpClose, Code: code, Init: ClosedByFailure}
}

// TestReceiveRules feeds a server connection crafted frames and checks the
// events (failure reasons are compared by code only) and what it sent back.
func TestReceiveRules(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		wire  []byte
		want  []ev
		reply []wireFrame // frames the server queued in answer
	}{
		{
			name: "masked text (§5.7)",
			wire: []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58},
			want: []ev{text("Hello")},
		},
		{
			name:  "fragmented text with a ping in between (§5.4)",
			wire:  cat(cframe(false, OpText, "Hel"), cframe(true, OpPing, "p"), cframe(true, OpContinuation, "lo")),
			want:  []ev{ping("p"), text("Hello")},
			reply: []wireFrame{{Fin: true, Op: OpPong, Data: "p"}},
		},
		{
			name:  "ping is answered with its payload (§5.5.2)",
			wire:  cframe(true, OpPing, "payload"),
			want:  []ev{ping("payload")},
			reply: []wireFrame{{Fin: true, Op: OpPong, Data: "payload"}},
		},
		{
			name: "no automatic pong when disabled",
			cfg:  Config{NoAutoPong: true},
			wire: cframe(true, OpPing, "x"),
			want: []ev{ping("x")},
		},
		{
			name: "pong is reported, not answered",
			wire: cframe(true, OpPong, "x"),
			want: []ev{pong("x")},
		},
		{
			name: "empty messages",
			wire: cat(cframe(true, OpText, ""), cframe(true, OpBinary, ""), cframe(false, OpText, ""), cframe(true, OpContinuation, "")),
			want: []ev{text(""), binary_(""), text("")},
		},
		{
			name:  "unmasked frame to a server (§5.1)",
			wire:  sframe(true, OpText, "a"),
			want:  []ev{failure(1002)},
			reply: []wireFrame{{Fin: true, Op: OpClose}},
		},
		{
			name: "UTF-8 split across fragments is valid",
			wire: cat(cframe(false, OpText, "\xce\xba\xe1"), cframe(true, OpContinuation, "\xbd\xb9")),
			want: []ev{text("κ\u1f79")},
		},
		{
			name:  "invalid UTF-8 (§8.1)",
			wire:  cframe(true, OpText, "ok\xc0\xafok"),
			want:  []ev{failure(1007)},
			reply: []wireFrame{{Fin: true, Op: OpClose}},
		},
		{
			name:  "text ends inside a character",
			wire:  cframe(true, OpText, "\xce"),
			want:  []ev{failure(1007)},
			reply: []wireFrame{{Fin: true, Op: OpClose}},
		},
		{
			name: "invalid UTF-8 accepted when validation is off",
			cfg:  Config{SkipUTF8Validation: true},
			wire: cframe(true, OpText, "\xff"),
			want: []ev{text("\xff")},
		},
		{
			name:  "messages before a fault are all delivered",
			wire:  cat(cframe(true, OpText, "one"), cframe(true, OpBinary, "two"), sframe(true, OpText, "unmasked")),
			want:  []ev{text("one"), binary_("two"), failure(1002)},
			reply: []wireFrame{{Fin: true, Op: OpClose}},
		},
		{
			name:  "close with code and reason is echoed (§5.5.1)",
			wire:  cframe(true, OpClose, closePayload(1000, "bye")),
			want:  []ev{{Type: EventClose, Op: OpClose, Data: "bye", Code: 1000, Init: ClosedByPeer}},
			reply: []wireFrame{{Fin: true, Op: OpClose, Data: closePayload(1000, "")}},
		},
		{
			name:  "empty close is answered by an empty close; code 1005 reported",
			wire:  cframe(true, OpClose, ""),
			want:  []ev{{Type: EventClose, Op: OpClose, Code: 1005, Init: ClosedByPeer}},
			reply: []wireFrame{{Fin: true, Op: OpClose}},
		},
		{
			name:  "nothing is delivered after a close",
			wire:  cat(cframe(true, OpClose, closePayload(1001, "")), cframe(true, OpText, "late"), []byte{0xff, 0xff}),
			want:  []ev{{Type: EventClose, Op: OpClose, Code: 1001, Init: ClosedByPeer}},
			reply: []wireFrame{{Fin: true, Op: OpClose, Data: closePayload(1001, "")}},
		},
		{
			name:  "close with a 1-byte payload",
			wire:  cframe(true, OpClose, "x"),
			want:  []ev{failure(1002)},
			reply: []wireFrame{{Fin: true, Op: OpClose}},
		},
		{
			name:  "close reason not UTF-8",
			wire:  cframe(true, OpClose, closePayload(1000, "\xff")),
			want:  []ev{failure(1007)},
			reply: []wireFrame{{Fin: true, Op: OpClose}},
		},
		{
			name:  "message over the limit (1009)",
			cfg:   Config{MaxMessageSize: 4},
			wire:  cat(cframe(false, OpBinary, "abc"), cframe(true, OpContinuation, "de")),
			want:  []ev{failure(1009)},
			reply: []wireFrame{{Fin: true, Op: OpClose}},
		},
		{
			name: "claimed data opcode and RSV bit",
			cfg:  Config{AllowOpcodes: 1<<3 | 1<<11, AllowRSV: RSV2},
			wire: cat(frame(false, RSV2, 3, true, []byte("ab")), frame(true, 0, OpContinuation, true, []byte("c")), cframe(true, 11, "ctl")),
			want: []ev{
				{Type: EventData, Op: 3, Data: "abc", First: true, Last: true, RSV: RSV2},
				{Type: EventControl, Op: 11, Data: "ctl", First: true, Last: true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, split := range []int{0, 1, 3} {
				cfg := tt.cfg
				cfg.Role = RoleServer
				c := mustConn(t, &cfg, nil)
				var got []ev
				if split == 0 {
					got = feedSplit(t, c, tt.wire)
				} else {
					got = feedSplit(t, c, tt.wire, split)
				}
				for i := range got {
					if got[i].Init == ClosedByFailure {
						if got[i].Data == "" {
							t.Errorf("failure event without a reason")
						}
						got[i].Data = ""
					}
				}
				equalEvents(t, got, tt.want)
				reply := outFrames(t, c)
				for i := range reply {
					if reply[i].Op == OpClose && len(tt.reply) > i && tt.reply[i].Data == "" && len(reply[i].Data) >= 2 {
						// Failure closes carry our code and reason; check the code.
						if code := CloseCode(uint16(reply[i].Data[0])<<8 | uint16(reply[i].Data[1])); code != tt.want[len(tt.want)-1].Code {
							t.Errorf("close frame sent with code %d, want %d", code, tt.want[len(tt.want)-1].Code)
						}
						reply[i].Data = ""
					}
				}
				if len(reply) != len(tt.reply) || (len(reply) > 0 && !reflect.DeepEqual(reply, tt.reply)) {
					t.Fatalf("split %d: replies %+v, want %+v", split, reply, tt.reply)
				}
			}
		})
	}
}

func TestReceiveCloseCodes(t *testing.T) {
	valid := []CloseCode{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999}
	invalid := []CloseCode{0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}
	for _, code := range valid {
		c := server(t)
		got := feedSplit(t, c, cframe(true, OpClose, closePayload(code, "r")))
		equalEvents(t, got, []ev{{Type: EventClose, Op: OpClose, Data: "r", Code: code, Init: ClosedByPeer}})
		if out := outFrames(t, c); len(out) != 1 || out[0].Data != closePayload(code, "") {
			t.Errorf("code %d: echo %+v", code, out)
		}
		if c.State() != StateClosed || c.Hint() != HintClose {
			t.Errorf("code %d: state %v hint %v", code, c.State(), c.Hint())
		}
	}
	for _, code := range invalid {
		c := server(t)
		got := feedSplit(t, c, cframe(true, OpClose, closePayload(code, "")))
		if len(got) != 1 || got[0].Code != 1002 || got[0].Init != ClosedByFailure {
			t.Errorf("code %d: events %v, want a 1002 failure (§7.4)", code, got)
		}
	}
}

// TestFailFastUTF8 checks that invalid UTF-8 fails the connection at the
// first bad byte, before the rest of the frame arrives (Autobahn 6.x).
func TestFailFastUTF8(t *testing.T) {
	payload := "valid start " + "\xf4\x90" + strings.Repeat("x", 1000)
	wire := cframe(true, OpText, payload)
	bad := len(wire) - 1000 - 1 // index of 0x90 in the wire
	for _, streaming := range []bool{false, true} {
		c := mustConn(t, &Config{Role: RoleServer, Streaming: streaming}, nil)
		if _, err := c.Feed(wire[:bad]); err != nil {
			t.Fatal(err)
		}
		for _, e := range drain(c) {
			if e.Type == EventClose {
				t.Fatalf("failed before the bad byte: %v", e)
			}
		}
		c.Feed(wire[bad : bad+1])
		got := drain(c)
		if len(got) == 0 || got[len(got)-1].Code != 1007 {
			t.Fatalf("streaming=%v: no 1007 at the first invalid byte: %v", streaming, got)
		}
		if e, ok := c.Err().(*Error); !ok || !strings.Contains(e.Msg, "byte 13") {
			t.Errorf("error %v should name the offset 13 (the 0x90 after 0xF4)", c.Err())
		}
	}
	// Fragments: the bad byte in the second fragment.
	c := server(t)
	c.Feed(cframe(false, OpText, "ab\xe2\x82"))
	if got := drain(c); len(got) != 0 {
		t.Fatalf("events after a valid prefix: %v", got)
	}
	c.Feed(cframe(false, OpContinuation, "\x28"))
	if got := drain(c); len(got) != 1 || got[0].Code != 1007 {
		t.Fatalf("events %v, want a 1007 failure", got)
	}
}

func TestStreamingChunks(t *testing.T) {
	c := mustConn(t, &Config{Role: RoleServer, Streaming: true}, nil)
	var got []ev
	got = append(got, feedSplit(t, c, cframe(false, OpText, "ab\xce"))...) // ends inside κ
	got = append(got, feedSplit(t, c, cframe(true, OpPing, ""))...)
	got = append(got, feedSplit(t, c, cframe(false, OpContinuation, "\xbacd"))...)
	got = append(got, feedSplit(t, c, cframe(true, OpContinuation, "ef"))...)
	got = append(got, feedSplit(t, c, cframe(true, OpBinary, "whole"))...)
	equalEvents(t, got, []ev{
		{Type: EventText, Op: OpText, Data: "ab", First: true},
		ping(""),
		{Type: EventText, Op: OpText, Data: "κcd"},
		{Type: EventText, Op: OpText, Data: "ef", Last: true},
		binary_("whole"),
	})
	// A partial frame is delivered as it arrives.
	wire := cframe(true, OpBinary, "0123456789")
	c.Feed(wire[:10])
	equalEvents(t, drain(c), []ev{{Type: EventBinary, Op: OpBinary, Data: "0123", First: true}})
	c.Feed(wire[10:])
	equalEvents(t, drain(c), []ev{{Type: EventBinary, Op: OpBinary, Data: "456789", Last: true}})
	// An empty final fragment still ends the message.
	c.Feed(cat(cframe(false, OpBinary, "x"), cframe(true, OpContinuation, "")))
	equalEvents(t, drain(c), []ev{{Type: EventBinary, Op: OpBinary, Data: "x", First: true}, {Type: EventBinary, Op: OpBinary, Last: true}})
}

// TestConnAnySplit checks that a long mixed stream gives the same events
// however it is cut, in both delivery modes.
func TestConnAnySplit(t *testing.T) {
	var parts [][]byte
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 60; i++ {
		n := rng.Intn(3000)
		switch i % 6 {
		case 0:
			parts = append(parts, cframe(true, OpText, strings.Repeat("κό", n/4)))
		case 1:
			parts = append(parts, cframe(false, OpBinary, strings.Repeat("b", n)), cframe(true, OpPing, "x"), cframe(true, OpContinuation, "end"))
		case 2:
			parts = append(parts, cframe(true, OpPong, "y"))
		case 3:
			parts = append(parts, cframe(false, OpText, "\xe2"), cframe(false, OpContinuation, "\x82"), cframe(true, OpContinuation, "\xac"))
		default:
			parts = append(parts, cframe(true, OpBinary, strings.Repeat("z", n)))
		}
	}
	parts = append(parts, cframe(true, OpClose, closePayload(1000, "done")))
	stream := cat(parts...)
	for _, streaming := range []bool{false, true} {
		ref := feedSplit(t, mustConn(t, &Config{Role: RoleServer, Streaming: streaming}, nil), stream)
		if last := ref[len(ref)-1]; last.Type != EventClose || last.Code != 1000 {
			t.Fatalf("stream did not end with the close: %v", last)
		}
		join := func(evs []ev) []ev {
			// Streaming chunk boundaries depend on the split; compare messages.
			var out []ev
			for _, e := range evs {
				if n := len(out); streaming && n > 0 && e.Type == out[n-1].Type && (e.Type == EventText || e.Type == EventBinary) && !out[n-1].Last {
					out[n-1].Data += e.Data
					out[n-1].Last = e.Last
					continue
				}
				out = append(out, e)
			}
			return out
		}
		want := join(ref)
		equalEvents(t, join(feedSplit(t, mustConn(t, &Config{Role: RoleServer, Streaming: streaming}, nil), stream, 1)), want)
		for seed := int64(0); seed < 20; seed++ {
			c := mustConn(t, &Config{Role: RoleServer, Streaming: streaming}, nil)
			equalEvents(t, join(feedRandom(t, c, stream, rand.New(rand.NewSource(seed)))), want)
		}
	}
}

func TestEOF(t *testing.T) {
	c := server(t)
	c.Feed(cframe(true, OpText, "hi")[:4])
	c.FeedEOF()
	got := drain(c)
	if len(got) != 1 || got[0].Code != CloseAbnormal || got[0].Init != ClosedAbnormally || !strings.Contains(got[0].Data, "middle of a frame") {
		t.Fatalf("events %v, want an abnormal close (1006)", got)
	}
	if c.State() != StateClosed || c.Hint() != HintClose {
		t.Fatalf("state %v hint %v", c.State(), c.Hint())
	}
	if _, err := c.Feed([]byte{1}); err == nil {
		t.Fatal("Feed after FeedEOF succeeded")
	}
	wantCode(t, c.FeedEOF(), CodeClosed) // said, and nothing else
	if len(drain(c)) != 0 || c.State() != StateClosed || c.Hint() != HintClose {
		t.Fatal("second FeedEOF changed something")
	}
	// EOF after a complete close handshake is not abnormal.
	c = server(t)
	c.Feed(cframe(true, OpClose, ""))
	drain(c)
	c.FeedEOF()
	if got := drain(c); len(got) != 0 {
		t.Fatalf("events after EOF on a closed connection: %v", got)
	}
}

// TestPayloadViewsStayValid checks that event payloads survive until the
// next Feed even when more events are pulled.
func TestPayloadViewsStayValid(t *testing.T) {
	c := server(t)
	c.Feed(cat(cframe(true, OpText, "first"), cframe(true, OpPing, "p1"), cframe(true, OpBinary, "second"), cframe(true, OpPing, "p2")))
	var views [][]byte
	for e, ok := c.NextEvent(); ok; e, ok = c.NextEvent() {
		views = append(views, e.Data)
	}
	want := []string{"first", "p1", "second", "p2"}
	for i, v := range views {
		if string(v) != want[i] {
			t.Fatalf("view %d = %q, want %q", i, v, want[i])
		}
	}
}

// TestLaggingHost pulls fewer events than arrive; nothing is lost and
// memory is reclaimed.
func TestLaggingHost(t *testing.T) {
	c := server(t)
	var got []string
	for i := 0; i < 2000; i++ {
		c.Feed(cframe(true, OpBinary, strings.Repeat("m", i%50)))
		if e, ok := c.NextEvent(); ok {
			got = append(got, string(e.Data))
		}
	}
	for e, ok := c.NextEvent(); ok; e, ok = c.NextEvent() {
		got = append(got, string(e.Data))
	}
	if len(got) != 2000 {
		t.Fatalf("got %d messages", len(got))
	}
	for i, s := range got {
		if s != strings.Repeat("m", i%50) {
			t.Fatalf("message %d = %q", i, s)
		}
	}
	c.Feed(nil)
	if c.rx.n != 0 || c.cx.n != 0 {
		t.Fatalf("buffers not reclaimed: rx %d cx %d", c.rx.n, c.cx.n)
	}
}
