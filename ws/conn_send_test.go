package ws

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func wantCode(t *testing.T, err error, code Code) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error %v, want code %d (%v)", err, code, code)
	}
	if e.Msg == "" {
		t.Fatalf("error %v has no message", err)
	}
}

func TestClientMasksWithFreshKeysAndKeepsInput(t *testing.T) {
	c := client(t)
	payload := []byte("the caller's buffer")
	orig := append([]byte{}, payload...)
	keys := map[[4]byte]bool{}
	for i := 0; i < 100; i++ {
		if err := c.SendBinary(payload); err != nil {
			t.Fatal(err)
		}
		h, n, err := ParseHeader(c.Output())
		if err != nil || !h.Masked {
			t.Fatalf("client frame not masked (§5.1): %+v %v", h, err)
		}
		keys[h.Mask] = true
		got := append([]byte{}, c.Output()[n:]...)
		MaskBytes(h.Mask, 0, got)
		if !bytes.Equal(got, payload) {
			t.Fatalf("unmasked payload %q", got)
		}
		c.Consume(c.OutputLen())
	}
	if !bytes.Equal(payload, orig) {
		t.Fatal("SendBinary modified the caller's buffer")
	}
	if len(keys) < 99 {
		t.Fatalf("only %d distinct masking keys in 100 frames (§5.3: a fresh key per frame)", len(keys))
	}
}

func TestServerNeverMasks(t *testing.T) {
	c := server(t)
	c.SendText([]byte("hi"))
	c.Ping([]byte("p"))
	c.Close(1000, nil)
	b := c.Output()
	for len(b) > 0 {
		h, n, err := ParseHeader(b)
		if err != nil || h.Masked {
			t.Fatalf("server frame masked or invalid: %+v %v", h, err)
		}
		b = b[n+int(h.Length):]
	}
}

func TestSendErrors(t *testing.T) {
	c := server(t)
	wantCode(t, c.SendText([]byte("bad \xff")), CodeArg)
	wantCode(t, c.SendMessage(OpPing, nil, 0), CodeArg)
	wantCode(t, c.SendMessage(OpContinuation, nil, 0), CodeArg)
	wantCode(t, c.SendMessage(3, nil, 0), CodeArg) // reserved, unclaimed
	wantCode(t, c.Ping(make([]byte, 126)), CodeArg)
	wantCode(t, c.Pong(make([]byte, 126)), CodeArg)
	wantCode(t, c.SendFragment([]byte("x"), true), CodeState)
	wantCode(t, c.Consume(1), CodeArg)
	wantCode(t, c.Consume(-1), CodeArg)
	if c.OutputLen() != 0 {
		t.Fatalf("failed calls queued %d bytes", c.OutputLen())
	}
	wantCode(t, c.Close(1005, nil), CodeArg)
	wantCode(t, c.Close(1006, nil), CodeArg)
	wantCode(t, c.Close(1015, nil), CodeArg)
	wantCode(t, c.Close(999, nil), CodeArg)
	wantCode(t, c.Close(5000, nil), CodeArg)
	wantCode(t, c.Close(0, []byte("reason without code")), CodeArg)
	wantCode(t, c.Close(1000, make([]byte, 124)), CodeArg)
	wantCode(t, c.Close(1000, []byte{0xff}), CodeArg)
	if err := c.Close(1000, []byte(strings.Repeat("r", 123))); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.Close(1000, nil), CodeClosed)
	wantCode(t, c.SendText([]byte("late")), CodeClosed)
	wantCode(t, c.Ping(nil), CodeClosed)
	if out := outFrames(t, c); len(out) != 1 || out[0].Op != OpClose {
		t.Fatalf("output %+v, want one close frame", out)
	}

	cc, err := NewClient(&Config{Role: RoleClient}, "ws://h/")
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, cc.SendText([]byte("early")), CodeState)
	wantCode(t, cc.Close(1000, nil), CodeState)
	wantCode(t, cc.Heartbeat(), CodeState)
}

func TestOutputCap(t *testing.T) {
	c := mustConn(t, &Config{Role: RoleServer, MaxOutput: 100}, nil)
	if err := c.SendBinary(make([]byte, 80)); err != nil {
		t.Fatal(err)
	}
	// Below the cap a send is accepted whole, even if it goes over.
	if err := c.SendBinary(make([]byte, 500)); err != nil {
		t.Fatal(err)
	}
	n := c.OutputLen()
	wantCode(t, c.SendBinary(make([]byte, 10)), CodeOutputFull)
	if c.OutputLen() != n {
		t.Fatal("a refused send queued bytes")
	}
	// Protocol duties are never refused.
	c.Feed(cframe(true, OpPing, "still answered"))
	if err := c.Ping([]byte("x")); err != nil {
		t.Fatal(err)
	}
	c.Consume(c.OutputLen())
	if err := c.SendBinary(make([]byte, 80)); err != nil {
		t.Fatalf("send after draining: %v", err)
	}
	// With the defaults, a message of the maximum size can be sent.
	big := mustConn(t, &Config{Role: RoleServer}, nil)
	if err := big.SendBinary(make([]byte, DefaultMaxMessageSize)); err != nil {
		t.Fatalf("a maximum-size message: %v", err)
	}
}

// TestAnswerBeforeCloseReply: messages that arrive together with the peer's
// close can still be answered; the close reply follows when the close
// event is taken (RFC 6455 §5.5.1 lets an endpoint finish its message).
func TestAnswerBeforeCloseReply(t *testing.T) {
	c := server(t)
	c.Feed(cat(cframe(true, OpText, "last words"), cframe(true, OpClose, closePayload(1000, "bye"))))
	if c.State() != StateClosing || c.OutputLen() != 0 {
		t.Fatalf("state %v output %d before the close event is taken", c.State(), c.OutputLen())
	}
	e, _ := c.NextEvent()
	if err := c.SendText(e.Data); err != nil {
		t.Fatalf("echo before taking the close: %v", err)
	}
	e, _ = c.NextEvent()
	if e.Type != EventClose || e.Initiator != ClosedByPeer || c.State() != StateClosed || c.Hint() != HintClose {
		t.Fatalf("close event %v state %v hint %v", e.Type, c.State(), c.Hint())
	}
	if out := outFrames(t, c); !equalFrames(out, []wireFrame{{Fin: true, Op: OpText, Data: "last words"}, {Fin: true, Op: OpClose, Data: closePayload(1000, "")}}) {
		t.Fatalf("frames %+v: the echo, then the close reply", out)
	}
	wantCode(t, c.SendText([]byte("too late")), CodeClosed)

	// Close before taking the event answers with our own code and reason.
	c = client(t)
	c.Feed(sframe(true, OpClose, closePayload(1001, "")))
	if err := c.Close(4000, []byte("mine")); err != nil {
		t.Fatal(err)
	}
	if c.State() != StateClosed || c.Hint() != HintShutdownWrite {
		t.Fatalf("state %v hint %v", c.State(), c.Hint())
	}
	drain(c)
	if out := outFrames(t, c); len(out) != 1 || out[0].Data != closePayload(4000, "mine") {
		t.Fatalf("frames %+v: want exactly one close, ours", out)
	}

	// EOF before the event is taken is not an abnormal closure.
	c = server(t)
	c.Feed(cframe(true, OpClose, ""))
	c.FeedEOF()
	got := drain(c)
	if len(got) != 1 || got[0].Code != CloseNoStatus || got[0].Init != ClosedByPeer || c.Hint() != HintClose {
		t.Fatalf("events %v hint %v", got, c.Hint())
	}
}

func TestStreamer(t *testing.T) {
	c := client(t)
	if err := c.BeginMessage(OpText, 0); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.BeginMessage(OpBinary, 0), CodeState)
	wantCode(t, c.SendText([]byte("x")), CodeState)
	steps := []struct {
		p     string
		final bool
	}{{"ab\xce", false}, {"", false}, {"\xba", false}, {"end", true}}
	for i, s := range steps {
		if err := c.SendFragment([]byte(s.p), s.final); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			c.Ping([]byte("between"))
		}
	}
	want := []wireFrame{
		{Op: OpText, Data: "ab\xce"},
		{Op: OpContinuation},
		{Fin: true, Op: OpPing, Data: "between"},
		{Op: OpContinuation, Data: "\xba"},
		{Fin: true, Op: OpContinuation, Data: "end"},
	}
	if got := outFrames(t, c); len(got) != len(want) || !equalFrames(got, want) {
		t.Fatalf("frames %+v, want %+v", got, want)
	}
	wantCode(t, c.SendFragment([]byte("x"), true), CodeState)

	// Invalid UTF-8 is refused and nothing is sent; the message can go on.
	c.BeginMessage(OpText, 0)
	wantCode(t, c.SendFragment([]byte{0xff}, false), CodeArg)
	wantCode(t, c.SendFragment([]byte{0xce}, true), CodeArg)
	if c.OutputLen() != 0 {
		t.Fatal("refused fragments were queued")
	}
	if err := c.SendFragment([]byte("ok"), true); err != nil {
		t.Fatal(err)
	}
	// A close ends the stream.
	c.BeginMessage(OpBinary, 0)
	c.SendFragment([]byte("x"), false)
	c.Close(1000, nil)
	wantCode(t, c.SendFragment([]byte("y"), true), CodeClosed)
}

func equalFrames(a, b []wireFrame) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSendFrameForExtensions(t *testing.T) {
	c := mustConn(t, &Config{Role: RoleServer, AllowRSV: RSV2 | RSV3, AllowOpcodes: 1<<4 | 1<<12}, nil)
	wantCode(t, c.SendFrame(5, 0, true, nil), CodeArg)                // unclaimed opcode
	wantCode(t, c.SendFrame(OpText, RSV1, true, nil), CodeArg)        // unclaimed bit
	wantCode(t, c.SendFrame(OpClose, 0, true, nil), CodeArg)          // use Close
	wantCode(t, c.SendFrame(12, 0, false, nil), CodeArg)              // fragmented control
	wantCode(t, c.SendFrame(OpContinuation, 0, true, nil), CodeState) // nothing to continue
	if err := c.SendFrame(4, RSV2, false, []byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := c.SendFrame(12, RSV3, true, []byte("ctl")); err != nil {
		t.Fatal(err)
	}
	if err := c.SendFrame(OpContinuation, 0, true, []byte("b")); err != nil {
		t.Fatal(err)
	}
	want := []wireFrame{{RSV: RSV2, Op: 4, Data: "a"}, {Fin: true, RSV: RSV3, Op: 12, Data: "ctl"}, {Fin: true, Op: OpContinuation, Data: "b"}}
	if got := outFrames(t, c); !equalFrames(got, want) {
		t.Fatalf("frames %+v, want %+v", got, want)
	}
}

func TestCloseHandshakeWeStart(t *testing.T) {
	for _, role := range []Role{RoleClient, RoleServer} {
		c := mustConn(t, &Config{Role: role}, nil)
		peerFrame := cframe
		if role == RoleClient {
			peerFrame = sframe
		}
		if err := c.Close(4000, []byte("done")); err != nil {
			t.Fatal(err)
		}
		if c.State() != StateClosing || c.Hint() != HintNone {
			t.Fatalf("after Close: %v %v", c.State(), c.Hint())
		}
		if out := outFrames(t, c); len(out) != 1 || out[0].Data != closePayload(4000, "done") {
			t.Fatalf("close frame %+v", out)
		}
		// Data still arrives while closing (§7.1.2), then the peer's close.
		got := feedSplit(t, c, cat(peerFrame(true, OpText, "in flight"), peerFrame(true, OpClose, closePayload(4000, ""))))
		equalEvents(t, got, []ev{text("in flight"), {Type: EventClose, Op: OpClose, Code: 4000, Init: ClosedByUs}})
		if out := outFrames(t, c); len(out) != 0 {
			t.Fatalf("replied to the close echo: %+v", out)
		}
		wantHint := HintClose
		if role == RoleClient {
			wantHint = HintShutdownWrite // §7.1.1: the server closes TCP first
		}
		if c.State() != StateClosed || c.Hint() != wantHint {
			t.Fatalf("%v: state %v hint %v", role, c.State(), c.Hint())
		}
	}
}

func TestNoPongAfterClose(t *testing.T) {
	c := server(t)
	c.Close(1000, nil)
	c.Consume(c.OutputLen())
	got := feedSplit(t, c, cframe(true, OpPing, "x"))
	equalEvents(t, got, []ev{ping("x")})
	if c.OutputLen() != 0 {
		t.Fatal("pong sent after our close frame (§5.5.1)")
	}
}

func TestHeartbeat(t *testing.T) {
	c := mustConn(t, &Config{Role: RoleServer, MaxPings: 2}, nil)
	var payloads []string
	for i := 0; i < 2; i++ {
		if err := c.Heartbeat(); err != nil {
			t.Fatal(err)
		}
		out := outFrames(t, c)
		if len(out) != 1 || out[0].Op != OpPing {
			t.Fatalf("heartbeat sent %+v", out)
		}
		payloads = append(payloads, out[0].Data)
	}
	if payloads[0] == payloads[1] {
		t.Fatal("heartbeat pings are not unique")
	}
	// An unrelated pong does not count as an answer.
	feedSplit(t, c, cframe(true, OpPong, "unrelated"))
	if c.UnansweredPings() != 2 {
		t.Fatalf("unanswered = %d", c.UnansweredPings())
	}
	// An answer to the older ping clears the count.
	feedSplit(t, c, cframe(true, OpPong, payloads[0]))
	if c.UnansweredPings() != 0 {
		t.Fatalf("unanswered after pong = %d", c.UnansweredPings())
	}
	c.Heartbeat()
	c.Heartbeat()
	outFrames(t, c)
	if err := c.Heartbeat(); err != nil { // third call: give up
		t.Fatal(err)
	}
	out := outFrames(t, c)
	if len(out) != 1 || out[0].Op != OpClose || out[0].Data != closePayload(1008, "Unanswered ping(s): 2") {
		t.Fatalf("give-up sent %+v", out)
	}
	got := drain(c)
	if len(got) != 1 || got[0].Type != EventClose || got[0].Code != 1008 || got[0].Init != ClosedByFailure {
		t.Fatalf("events %v", got)
	}
	for i := 0; i < 3; i++ {
		wantCode(t, c.Heartbeat(), CodeClosed)
	}
	if c.OutputLen() != 0 {
		t.Fatal("a second close was sent")
	}
}

func TestNothingAfterPeersClose(t *testing.T) {
	c := mustConn(t, &Config{Role: RoleServer, MaxPings: 1}, nil)
	c.Heartbeat()
	c.Consume(c.OutputLen())
	c.Feed(cframe(true, OpClose, closePayload(1000, "")))
	// The close event is not taken yet: no ping, no 1008 close.
	wantCode(t, c.Heartbeat(), CodeClosed)
	if c.OutputLen() != 0 {
		t.Fatal("heartbeat sent something after the peer's close")
	}
	if got := drain(c); len(got) != 1 || got[0].Init != ClosedByPeer {
		t.Fatalf("events %v: one close, the peer's", got)
	}
	// A fragmented send cut by our close reports the close.
	c = server(t)
	c.BeginMessage(OpBinary, 0)
	c.SendFragment([]byte("x"), false)
	c.Close(1000, nil)
	wantCode(t, c.SendFragment([]byte("y"), true), CodeClosed)
}

// TestAnswerBeforeFailure: messages that arrived intact before a peer
// fault can still be answered; our close frame follows when the failure
// event is taken (Autobahn 3.2, 4.1.3, 5.15: echo, then close 1002).
func TestAnswerBeforeFailure(t *testing.T) {
	c := server(t)
	c.Feed(cat(cframe(true, OpText, "Hello, world!"), frame(true, RSV2, OpText, true, []byte("x")), cframe(true, OpPing, "")))
	if c.OutputLen() != 0 || c.State() != StateClosing {
		t.Fatalf("state %v, %d bytes out before the events are taken", c.State(), c.OutputLen())
	}
	e, _ := c.NextEvent()
	if err := c.SendText(e.Data); err != nil {
		t.Fatalf("echo before taking the failure: %v", err)
	}
	e, _ = c.NextEvent()
	if e.Type != EventClose || e.Initiator != ClosedByFailure || e.Code != CloseProtocolError || c.State() != StateClosed || c.Hint() != HintClose {
		t.Fatalf("event %v %v %d, state %v hint %v", e.Type, e.Initiator, e.Code, c.State(), c.Hint())
	}
	out := outFrames(t, c)
	if len(out) != 2 || out[0].Data != "Hello, world!" || out[1].Op != OpClose || out[1].Data[:2] != closePayload(1002, "") {
		t.Fatalf("frames %+v: the echo, then close 1002", out)
	}
	if _, ok := c.NextEvent(); ok {
		t.Fatal("the ping after the fault was delivered")
	}
	// EOF before the failure is taken adds no abnormal close.
	c = server(t)
	c.Feed(sframe(true, OpText, "unmasked"))
	c.FeedEOF()
	if got := drain(c); len(got) != 1 || got[0].Code != CloseProtocolError {
		t.Fatalf("events %v", got)
	}
}

// TestWriteFrameEncoding: every length encoding, RSV bits and FIN, masked
// (client) or not (server), byte for byte as AppendHeader and MaskCopy
// would write them.
func TestWriteFrameEncoding(t *testing.T) {
	for _, role := range []Role{RoleClient, RoleServer} {
		for _, n := range []int{0, 1, 3, 4, 17, 125, 126, 127, 1000, 0xFFFF, 0x10000, 70001} {
			p := make([]byte, n)
			for i := range p {
				p[i] = byte(i*7 + 1)
			}
			for _, f := range []struct {
				op  Opcode
				rsv uint8
				fin bool
			}{{OpText, 0, true}, {OpBinary, RSV2 | RSV3, false}, {OpContinuation, RSV1, true}, {Opcode(5), 7, false}} {
				c := mustConn(t, &Config{Role: role}, nil)
				if !c.writeFrame(f.op, f.rsv, f.fin, p) {
					t.Fatal("writeFrame failed")
				}
				out := c.Output()
				h := Header{Fin: f.fin, RSV: f.rsv, Opcode: f.op, Length: int64(n), Masked: role == RoleClient}
				if h.Masked {
					copy(h.Mask[:], out[h.Len()-4:])
				}
				want := AppendHeader(nil, &h)
				hl := len(want)
				want = append(want, p...)
				if h.Masked {
					MaskCopy(want[hl:], p, h.Mask, 0)
				}
				if !bytes.Equal(out, want) {
					t.Fatalf("%v n=%d %+v: frame differs", role, n, f)
				}
			}
		}
	}
}

// TestSendTextChecksInMaskingPass: text long enough for the fused
// mask-and-check pass is refused, queuing nothing, wherever its invalid
// byte is; valid text, ASCII or not, arrives intact.
func TestSendTextChecksInMaskingPass(t *testing.T) {
	base := bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz012345"), 40)
	for _, role := range []Role{RoleClient, RoleServer} {
		for _, n := range []int{31, 32, 33, 255, 256, 257, 300, 511, 1024, 1029} {
			for _, bad := range []int{-2, -1, 0, 1, 31, 32, 100, n - 33, n - 32, n - 2, n - 1} {
				if bad >= n {
					continue
				}
				p := bytes.Clone(base[:n])
				valid := bad < 0
				switch {
				case bad == -2 && n >= 4: // valid, not ASCII
					copy(p[n/2:], "é€")
					valid = true
				case bad >= 0:
					p[bad] = 0xC0
				}
				orig := bytes.Clone(p)
				c := mustConn(t, &Config{Role: role}, nil)
				err := c.SendText(p)
				if !bytes.Equal(p, orig) {
					t.Fatalf("%v n=%d: the input was modified", role, n)
				}
				if !valid {
					if err == nil || c.OutputLen() != 0 {
						t.Fatalf("%v n=%d bad=%d: err=%v, %d bytes queued", role, n, bad, err, c.OutputLen())
					}
					continue
				}
				if err != nil {
					t.Fatalf("%v n=%d: %v", role, n, err)
				}
				peer := mustConn(t, &Config{Role: 3 - role}, nil)
				got := feedSplit(t, peer, c.Output())
				if len(got) != 1 || got[0].Type != EventText || got[0].Data != string(p) {
					t.Fatalf("%v n=%d: received %v", role, n, got)
				}
			}
		}
	}
}

func TestHeartbeatWith(t *testing.T) {
	c := mustConn(t, &Config{Role: RoleServer, MaxPings: 40}, nil)
	var payloads []string
	for i := 0; i < 20; i++ {
		p := "Mon Dec  7 12:00:00 2026 UTC: ping #" + strings.Repeat("1", i+1)
		if err := c.HeartbeatWith([]byte(p)); err != nil {
			t.Fatal(err)
		}
		out := outFrames(t, c)
		if len(out) != 1 || out[0].Op != OpPing || out[0].Data != p {
			t.Fatalf("heartbeat sent %+v", out)
		}
		payloads = append(payloads, p)
	}
	wantCode(t, c.HeartbeatWith(bytes.Repeat([]byte("x"), 126)), CodeArg)
	if c.OutputLen() != 0 || c.UnansweredPings() != 20 {
		t.Fatalf("a refused payload sent something: %d bytes, %d unanswered", c.OutputLen(), c.UnansweredPings())
	}
	for _, tc := range []struct {
		pong   string
		answer bool
	}{
		{"unrelated", false},
		{payloads[0], false}, // older than the last 16 remembered
		{payloads[3], false},
		{payloads[4], true},
	} {
		before := c.UnansweredPings()
		feedSplit(t, c, cframe(true, OpPong, tc.pong))
		if got := c.UnansweredPings() == 0; got != tc.answer || (!tc.answer && c.UnansweredPings() != before) {
			t.Fatalf("pong %q: unanswered %d (was %d)", tc.pong, c.UnansweredPings(), before)
		}
	}
	// Mixed with numbered pings: either kind of answer clears both.
	c.Heartbeat()
	numbered := outFrames(t, c)[0].Data
	c.HeartbeatWith([]byte("hosted"))
	outFrames(t, c)
	feedSplit(t, c, cframe(true, OpPong, numbered))
	if c.UnansweredPings() != 0 {
		t.Fatalf("unanswered after a numbered pong = %d", c.UnansweredPings())
	}
	feedSplit(t, c, cframe(true, OpPong, "hosted")) // the hash was forgotten with the count
	if c.UnansweredPings() != 0 {
		t.Fatal("count changed")
	}
}

func TestHeartbeatWithGivesUp(t *testing.T) {
	c := mustConn(t, &Config{Role: RoleClient, MaxPings: 1}, nil)
	c.HeartbeatWith([]byte("a"))
	outFrames(t, c)
	if err := c.HeartbeatWith([]byte("b")); err != nil {
		t.Fatal(err)
	}
	out := outFrames(t, c)
	if len(out) != 1 || out[0].Op != OpClose || out[0].Data != closePayload(1008, "Unanswered ping(s): 1") {
		t.Fatalf("give-up sent %+v", out)
	}
	wantCode(t, c.HeartbeatWith([]byte("c")), CodeClosed)
}

func TestEchoCloseReason(t *testing.T) {
	for _, tc := range []struct {
		echo    bool
		in, out string
	}{
		{false, closePayload(4001, "bye now"), closePayload(4001, "")},
		{true, closePayload(4001, "bye now"), closePayload(4001, "bye now")},
		{true, closePayload(1000, strings.Repeat("é", 61)+"x"), closePayload(1000, strings.Repeat("é", 61)+"x")}, // 123 bytes
		{true, "", ""}, // no status: an empty close (§5.5.1)
	} {
		c := mustConn(t, &Config{Role: RoleServer, EchoCloseReason: tc.echo}, nil)
		feedSplit(t, c, cframe(true, OpClose, tc.in))
		if out := outFrames(t, c); len(out) != 1 || out[0].Op != OpClose || out[0].Data != tc.out {
			t.Fatalf("echo %v of %q: sent %+v", tc.echo, tc.in, out)
		}
	}
}

// TestSendTextSizes: every length around the inline small-message path
// (8-16 bytes) and the vector paths masks and validates as the general
// path does: ASCII and multi-byte text arrive intact, masked or not,
// invalid UTF-8 is refused without queuing anything, and binary is never
// checked.
func TestSendTextSizes(t *testing.T) {
	for n := 0; n <= 40; n++ {
		ascii := bytes.Repeat([]byte("abcdefgh"), 6)[:n]
		multi := []byte(strings.Repeat("é", 20))[:n&^1]
		bad := bytes.Clone(ascii)
		if n > 0 {
			bad[n-1] = 0xFF
		}
		for _, tc := range []struct {
			name string
			op   Opcode
			p    []byte
			ok   bool
		}{
			{"ascii", OpText, ascii, true},
			{"multibyte", OpText, multi, true},
			{"invalid", OpText, bad, n == 0},
			{"binary", OpBinary, bad, true},
		} {
			for _, c := range []*Conn{client(t), server(t)} {
				err := c.SendMessage(tc.op, tc.p, 0)
				if (err == nil) != tc.ok {
					t.Fatalf("%s n=%d %v: err %v", tc.name, n, c.Role(), err)
				}
				if !tc.ok {
					if c.OutputLen() != 0 {
						t.Fatalf("%s n=%d: refused message left %d bytes of output", tc.name, n, c.OutputLen())
					}
					continue
				}
				if f := outFrames(t, c); len(f) != 1 || f[0].Op != tc.op || f[0].Data != string(tc.p) {
					t.Fatalf("%s n=%d %v: frames %+v", tc.name, n, c.Role(), f)
				}
			}
		}
	}
}
