package ws

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestInterimResponses(t *testing.T) {
	c, _ := NewClient(&Config{Role: RoleClient}, "ws://h/")
	resp := serverAnswer(t, c, Config{})
	wire := cat([]byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"), resp)
	equalEvents(t, feedSplit(t, c, wire, 5), []ev{{Type: EventOpen}})
}

func TestClientHeadLimitIsNotAStatus(t *testing.T) {
	c, _ := NewClient(&Config{Role: RoleClient, MaxHandshakeSize: 64}, "ws://h/")
	got := feedSplit(t, c, []byte("HTTP/1.1 101 Switching Protocols\r\nX-Long: "+strings.Repeat("x", 100)+"\r\n\r\n"))
	if len(got) != 1 || got[0].Type != EventRejected || got[0].Code != 0 {
		t.Fatalf("events %v: a limit we applied is not an HTTP status the server sent", got)
	}
}

func TestNewServerChecksHandshakeConfig(t *testing.T) {
	_, err := NewServer(&Config{Role: RoleServer, Subprotocols: []string{"not a token"}})
	wantCode(t, err, CodeArg)
	_, err = NewServer(&Config{Role: RoleServer, Header: [][2]string{{"Upgrade", "x"}}})
	wantCode(t, err, CodeArg)
}

func TestNeedAndWriteTo(t *testing.T) {
	cc, _ := NewClient(&Config{Role: RoleClient}, "ws://h/")
	if cc.Need() != 1 {
		t.Fatalf("Need during the handshake = %d", cc.Need())
	}
	c := client(t)
	wire := sframe(true, OpBinary, strings.Repeat("x", 200))
	if c.Need() != 2 {
		t.Fatalf("Need = %d", c.Need())
	}
	c.Feed(wire[:2])
	if c.Need() != 2 {
		t.Fatalf("Need after 2 bytes of a 4-byte header = %d", c.Need())
	}
	c.Feed(wire[2:50])
	if c.Need() != 200-46 {
		t.Fatalf("Need in the payload = %d", c.Need())
	}
	c.FeedEOF()
	if c.Need() != 0 {
		t.Fatalf("Need after EOF = %d", c.Need())
	}

	s := server(t)
	s.SendText([]byte("to a writer"))
	var w bytes.Buffer
	n, err := s.WriteTo(&w)
	if err != nil || n != int64(w.Len()) || s.OutputLen() != 0 || !bytes.HasSuffix(w.Bytes(), []byte("to a writer")) {
		t.Fatalf("WriteTo = %d, %v", n, err)
	}
	s.SendText([]byte("x"))
	if _, err := s.WriteTo(failWriter{}); err == nil || s.OutputLen() == 0 {
		t.Fatal("WriteTo hid a write error or consumed unwritten bytes")
	}
	if _, err := s.WriteTo(zeroWriter{}); err == nil {
		t.Fatal("WriteTo looped on a writer that takes nothing")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("boom") }

type zeroWriter struct{}

func (zeroWriter) Write([]byte) (int, error) { return 0, nil }

func TestFreeAndShrink(t *testing.T) {
	c := server(t)
	c.Feed(cframe(true, OpBinary, strings.Repeat("b", 100000)))
	c.SendBinary(make([]byte, 100000))
	if c.Memory() < 200000 {
		t.Fatalf("Memory = %d with 200 kB in buffers", c.Memory())
	}
	drain(c)
	c.Consume(c.OutputLen())
	c.Shrink()
	if m := c.Memory(); m > 4<<10 {
		t.Fatalf("Memory after Shrink = %d", m)
	}
	c.Free()
	if c.State() != StateClosed || c.Memory() != 0 {
		t.Fatal("Free left state or memory behind")
	}
	wantCode(t, c.SendText(nil), CodeClosed)
	_, err := c.Feed(nil)
	wantCode(t, err, CodeState)
}

// TestIdleMemory measures what an open connection holds when idle, before
// and after traffic (the heartbeat call releases what is not in use).
func TestIdleMemory(t *testing.T) {
	cc, sc := handshakePair(t, &Config{}, &Config{})
	if m := sc.Memory(); m > 4<<10 {
		t.Errorf("fresh server connection holds %d bytes", m)
	}
	for i := 0; i < 100; i++ {
		cc.SendBinary(make([]byte, 1000*i))
		exchange(t, cc, sc)
	}
	sc.Heartbeat()
	sc.Consume(sc.OutputLen())
	if m := sc.Memory(); m > 4<<10 {
		t.Errorf("idle server connection after traffic holds %d bytes", m)
	}
	t.Logf("idle server connection: %d bytes of buffers", sc.Memory())
}

func TestLongFailureReasonIsTruncatedOnCharacters(t *testing.T) {
	s := strings.Repeat("é", 100) // 200 bytes
	got := truncateUTF8(s, 123)
	if len(got) != 122 || !utf8.ValidString(got) {
		t.Fatalf("truncateUTF8 gave %d bytes, valid=%v", len(got), utf8.ValidString(got))
	}
	c := server(t)
	c.fail(&Error{Code: CodeProtocol, CloseCode: CloseProtocolError, Msg: s})
	drain(c)
	out := outFrames(t, c)
	if len(out) != 1 || len(out[0].Data) != 2+122 || !utf8.ValidString(out[0].Data[2:]) {
		t.Fatalf("close frame %+v", out)
	}
	// A plain error becomes an internal error (1011).
	c = server(t)
	c.fail(errors.New("plain"))
	if got := drain(c); len(got) != 1 || got[0].Code != CloseInternalError {
		t.Fatalf("events %v", got)
	}
}

func TestNames(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{RoleClient.String(), "client"}, {RoleServer.String(), "server"}, {Role(9).String(), "invalid-role"},
		{StateConnecting.String(), "connecting"}, {StateOpen.String(), "open"}, {StateClosing.String(), "closing"}, {StateClosed.String(), "closed"}, {State(0).String(), "invalid-state"},
		{HintNone.String(), "none"}, {HintShutdownWrite.String(), "shutdown-write"}, {HintClose.String(), "close"}, {Hint(7).String(), "invalid-hint"},
		{OpContinuation.String(), "continuation"}, {OpClose.String(), "close"}, {Opcode(3).String(), "opcode-3"},
		{EventNone.String(), "none"}, {EventRejected.String(), "rejected"}, {EventData.String(), "data"}, {EventControl.String(), "control"}, {EventType(99).String(), "unknown"},
		{ClosedByPeer.String(), "peer"}, {ClosedAbnormally.String(), "abnormal"}, {Initiator(0).String(), "none"},
		{CloseNormal.String(), "1000"}, {CloseInternalError.Name(), "INTERNAL_ERROR"}, {CloseCode(4000).Name(), ""},
		{CodeNeedMore.String(), "need more input"}, {Code(0).String(), "ok"}, {Code(-99).String(), "unknown error -99"},
		{(&Error{Code: CodeBusy}).Error(), "ws: object busy in another thread"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	for name, code := range map[string]CloseCode{"SUCCESS": 1000, "SERVER_ERROR": 1011, "INTERNAL_ERROR": 1011, "BAD_GATEWAY": 1014} {
		if got, ok := CloseCodeByName(name); !ok || got != code {
			t.Errorf("CloseCodeByName(%q) = %d, %v", name, got, ok)
		}
	}
	if _, ok := CloseCodeByName("NOPE"); ok {
		t.Error("unknown name found")
	}
	for _, tt := range []struct{ code, class Code }{{CodeNeedMore, CodeNeedMore}, {CodeOutputFull, CodeNeedMore}, {CodeClosed, CodeState}, {CodeNull, CodeArg}, {CodeNoMem, CodeLimit}, {CodeExtension, CodeProtocol}, {CodeBusy, CodeBadHandle}, {0, 0}} {
		if got := tt.code.Class(); got != tt.class {
			t.Errorf("%d.Class() = %d, want %d", tt.code, got, tt.class)
		}
	}
	if !errors.Is(protocolError(CloseMessageTooBig, "x"), ErrTooBig) || !errors.Is(protocolError(CloseMandatoryExtension, "x"), ErrExtension) || !errors.Is(protocolError(CloseInternalError, "x"), &Error{Code: CodeInternal}) {
		t.Error("protocolError codes")
	}
}

func TestRandomSources(t *testing.T) {
	a, b := NewMaskKey(), NewMaskKey()
	if a == b {
		t.Error("two random mask keys are equal")
	}
	var m maskSource
	seen := map[[4]byte]bool{}
	for i := 0; i < 1000; i++ {
		seen[m.next()] = true
	}
	if len(seen) < 999 {
		t.Errorf("%d distinct keys in 1000", len(seen))
	}
	if k1, k2 := randomKey(), randomKey(); k1 == k2 || len(k1) != 24 {
		t.Errorf("keys %q %q", k1, k2)
	}
}

func TestPongAndPending(t *testing.T) {
	c := server(t)
	if err := c.Pong([]byte("unsolicited")); err != nil {
		t.Fatal(err)
	}
	if out := outFrames(t, c); len(out) != 1 || out[0].Op != OpPong {
		t.Fatalf("%+v", out)
	}
	c.Feed(cat(cframe(true, OpText, "a"), cframe(true, OpText, "b")))
	if c.Pending() != 2 {
		t.Fatalf("Pending = %d", c.Pending())
	}
	if c.Agreement() == nil || c.Subprotocol() != "" || c.Extensions() != "" || c.Deflate() != nil || c.Err() != nil {
		t.Fatal("accessors on a plain open connection")
	}
	cc, _ := NewClient(&Config{Role: RoleClient}, "ws://h/")
	if cc.Agreement() != nil || cc.Subprotocol() != "" || cc.Extensions() != "" || cc.Deflate() != nil {
		t.Fatal("accessors before the handshake")
	}
}

func TestDeflateRequired(t *testing.T) {
	// A client that requires permessage-deflate fails with 1010 when the
	// server declines it (RFC 6455 §7.4.1), naming the extension.
	c, _ := NewClient(&Config{Role: RoleClient, Deflate: &DeflateConfig{Required: true}}, "ws://h/")
	resp := serverAnswer(t, c, Config{})
	got := feedSplit(t, c, resp)
	if len(got) != 2 || got[0].Type != EventOpen || got[1].Code != CloseMandatoryExtension || got[1].Data != "permessage-deflate" {
		t.Fatalf("events %v", got)
	}
	if out := outFrames(t, c); len(out) != 1 || out[0].Data != closePayload(1010, "permessage-deflate") {
		t.Fatalf("close frame %+v", out)
	}
	// A server that requires it rejects a request without an offer.
	s := newServer(t, Config{Deflate: &DeflateConfig{Required: true}})
	got = feedSplit(t, s, []byte(goodRequest))
	if len(got) != 2 || got[1].Type != EventRejected || got[1].Code != 400 {
		t.Fatalf("events %v", got)
	}
	// Both requiring it: fine.
	handshakePair(t, &Config{Deflate: &DeflateConfig{Required: true}}, &Config{Deflate: &DeflateConfig{Required: true}})
}

func TestChunkPerFrame(t *testing.T) {
	c := mustConn(t, &Config{Role: RoleServer, Streaming: true, ChunkPerFrame: true}, nil)
	wire := cat(cframe(false, OpText, "ab\xce"), cframe(true, OpPing, ""), cframe(false, OpContinuation, ""), cframe(true, OpContinuation, "\xba!"))
	got := feedSplit(t, c, wire, 1)
	equalEvents(t, got, []ev{
		{Type: EventText, Op: OpText, Data: "ab\xce", First: true},
		ping(""),
		{Type: EventText, Op: OpText},
		{Type: EventText, Op: OpText, Data: "\xba!", Last: true},
	})
}

func TestPeekEvent(t *testing.T) {
	c := server(t)
	if _, ok := c.PeekEvent(); ok {
		t.Fatal("event on an empty queue")
	}
	c.Feed(cat(cframe(true, OpText, "a"), cframe(true, OpClose, "")))
	if typ, ok := c.PeekEvent(); !ok || typ != EventText {
		t.Fatalf("peek %v %v", typ, ok)
	}
	c.NextEvent()
	if typ, _ := c.PeekEvent(); typ != EventClose || c.OutputLen() != 0 {
		t.Fatal("peeking at the close must not take it (no reply yet)")
	}
}

// TestTakeEvent: TakeEvent gives what NextEvent gives, clears Data left
// from an earlier event, queues the close reply as it takes the close, and
// leaves *ev alone once the queue is empty.
func TestTakeEvent(t *testing.T) {
	wire := cat(cframe(true, OpText, "hello"), cframe(true, OpPing, "p"), cframe(true, OpBinary, ""),
		cframe(false, OpText, "a"), cframe(true, OpContinuation, "b"), cframe(true, OpPong, ""),
		cframe(true, OpClose, closePayload(1001, "bye")))
	a, b := server(t), server(t)
	a.Feed(wire)
	b.Feed(wire)
	var e Event
	for {
		want, ok := a.NextEvent()
		if got := b.TakeEvent(&e); got != ok {
			t.Fatalf("TakeEvent = %v, NextEvent = %v", got, ok)
		}
		if !ok {
			break
		}
		if !reflect.DeepEqual(e, want) {
			t.Fatalf("TakeEvent gave %+v, NextEvent %+v", e, want)
		}
		if !bytes.Equal(a.Output(), b.Output()) {
			t.Fatalf("outputs differ after %v", want.Type)
		}
	}
	if e.Type != EventClose || b.OutputLen() == 0 {
		t.Fatalf("last event %v, %d bytes of output", e.Type, b.OutputLen())
	}
}
