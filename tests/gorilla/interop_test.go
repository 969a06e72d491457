// Package gorilla tests libws against a real, independent WebSocket
// implementation, github.com/gorilla/websocket, over 127.0.0.1 TCP sockets:
//
//   - a libws client talking to a gorilla server (Upgrader with and without
//     EnableCompression): text, binary, a fragmented message with a ping
//     between its fragments, a 1 MiB message, permessage-deflate
//     negotiation and compressed messages, pings both ways, and a close
//     started by libws;
//   - a gorilla client talking to a libws server (Dialer with and without
//     EnableCompression): the same, plus gorilla's own fragmentation, a
//     close started by libws, and invalid UTF-8 that libws must fail with
//     1007;
//   - an echo of 200 random messages through a libws server.
//
// Every exchange asserts the exact payloads on both sides, and a frame tap
// (driver_test.go) checks the framing on the wire independently of libws.
//
// This is a separate module only so that gorilla/websocket never becomes a
// dependency of libws itself.
package gorilla

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/libws/libws/ws"
)

// Payloads shared by both directions. They are only read once built.
var (
	greetText  = []byte("hello from gorilla — héllo wörld ✓ 😀")
	greetBin   = seq(256)
	libwsText  = []byte("libws says hi: ünïcödé ✓ 中文 😀, long enough to be compressed")
	libwsBin   = seq(300)
	fragText   = []byte("fragmented text, a ping between fragments, and split characters: € and 😀 at the end")
	bigBin     = randomBytes(rand.NewChaCha8([32]byte{1}), 1<<20)
	repetitive = []byte(strings.Repeat("libws and gorilla interoperate; ", 8192)) // 256 KiB, compresses well
	tenK       = randomBytes(rand.NewChaCha8([32]byte{2}), 10<<10)
)

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func randomBytes(src *rand.ChaCha8, n int) []byte {
	b := make([]byte, n)
	src.Read(b)
	return b
}

// fragments splits fragText into pieces, two of them ending inside a
// multi-byte character and one empty, all legal for a fragmented message.
func fragments() [][]byte {
	euro := bytes.IndexRune(fragText, '€')
	smile := bytes.IndexRune(fragText, '😀')
	cuts := []int{0, 11, 11, 30, euro + 1, smile + 2, len(fragText)}
	var out [][]byte
	for i := 1; i < len(cuts); i++ {
		out = append(out, fragText[cuts[i-1]:cuts[i]])
	}
	return out
}

// sendFragmented sends fragText with BeginMessage/SendFragment and a ping
// after the first fragment.
func sendFragmented(c *ws.Conn, ping []byte) error {
	if err := c.BeginMessage(ws.OpText, 0); err != nil {
		return err
	}
	frags := fragments()
	for i, f := range frags {
		if err := c.SendFragment(f, i == len(frags)-1); err != nil {
			return err
		}
		if i == 0 {
			if err := c.Ping(ping); err != nil {
				return err
			}
		}
	}
	return nil
}

func modes() []struct {
	name     string
	compress bool
} {
	return []struct {
		name     string
		compress bool
	}{{"plain", false}, {"deflate", true}}
}

// --- gorilla-side helpers (they run on gorilla's goroutine and return
// errors; only the test goroutine may call t.Fatal) ---

func gorillaDeadlines(c *websocket.Conn) {
	dl := time.Now().Add(ioTimeout)
	c.SetReadDeadline(dl)
	c.SetWriteDeadline(dl)
}

func msgType(typ int) string {
	switch typ {
	case websocket.TextMessage:
		return "text"
	case websocket.BinaryMessage:
		return "binary"
	}
	return fmt.Sprint("type ", typ)
}

// readExpect reads one message and checks its type and payload.
func readExpect(c *websocket.Conn, typ int, want []byte) error {
	got, p, err := c.ReadMessage()
	if err != nil {
		return fmt.Errorf("gorilla: reading %s message %s: %w", msgType(typ), show(want), err)
	}
	if got != typ || !bytes.Equal(p, want) {
		return fmt.Errorf("gorilla: got %s message %s, want %s message %s", msgType(got), show(p), msgType(typ), show(want))
	}
	return nil
}

// echo reads a message, checks it and sends it back.
func echo(c *websocket.Conn, typ int, want []byte) error {
	if err := readExpect(c, typ, want); err != nil {
		return err
	}
	return c.WriteMessage(typ, want)
}

// expectClose reads and expects a close frame with the given code.
func expectClose(c *websocket.Conn, code int) (*websocket.CloseError, error) {
	typ, p, err := c.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		return nil, fmt.Errorf("gorilla: want a close %d, got %s message %s, err %v", code, msgType(typ), show(p), err)
	}
	if ce.Code != code {
		return ce, fmt.Errorf("gorilla: got close %d %q, want code %d", ce.Code, ce.Text, code)
	}
	return ce, nil
}

// wait returns the gorilla side's result, failing the test on error or
// timeout.
func wait(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(ioTimeout):
		t.Fatal("the gorilla side did not finish")
	}
}

// checkCompressed checks that a received data message was (or was not)
// compressed, as libws reports it and as the frame tap saw it.
func checkCompressed(t *testing.T, ev event, want bool) {
	t.Helper()
	if ev.Compressed != want {
		t.Errorf("%v event: Compressed=%v, want %v", ev.Type, ev.Compressed, want)
	}
	if len(ev.frames) == 0 || (ev.frames[0].rsv&rsv1 != 0) != want {
		t.Errorf("%v event: first frame %+v, want RSV1=%v", ev.Type, ev.frames, want)
	}
}

// --- 1. libws client ↔ gorilla server ---

// startGorillaServer serves one WebSocket connection on 127.0.0.1 with
// gorilla's Upgrader and runs script on it; its result arrives on done.
func startGorillaServer(t *testing.T, compress bool, script func(*websocket.Conn) error) (addr string, done <-chan error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	res := make(chan error, 4)
	up := websocket.Upgrader{EnableCompression: compress}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				res <- fmt.Errorf("gorilla: upgrade: %w", err)
				return
			}
			defer c.Close()
			gorillaDeadlines(c)
			res <- script(c)
		}),
		ReadHeaderTimeout: ioTimeout,
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), res
}

func TestLibwsClientGorillaServer(t *testing.T) {
	for _, m := range modes() {
		t.Run(m.name, func(t *testing.T) { testLibwsClient(t, m.compress) })
	}
}

func testLibwsClient(t *testing.T, compress bool) {
	addr, done := startGorillaServer(t, compress, func(c *websocket.Conn) error {
		var pongs []string // the pong handler runs inside ReadMessage, on this goroutine
		c.SetPongHandler(func(s string) error { pongs = append(pongs, s); return nil })
		if err := c.WriteMessage(websocket.TextMessage, greetText); err != nil {
			return err
		}
		if err := c.WriteMessage(websocket.BinaryMessage, greetBin); err != nil {
			return err
		}
		for _, m := range []struct {
			typ int
			p   []byte
		}{
			{websocket.TextMessage, libwsText},
			{websocket.BinaryMessage, libwsBin},
			{websocket.TextMessage, fragText}, // gorilla answers the ping between its fragments
			{websocket.BinaryMessage, bigBin},
			{websocket.TextMessage, repetitive},
		} {
			if err := echo(c, m.typ, m.p); err != nil {
				return err
			}
		}
		// libws pings before this message; gorilla's default handler pongs.
		if err := readExpect(c, websocket.TextMessage, []byte("ping me")); err != nil {
			return err
		}
		if err := c.WriteControl(websocket.PingMessage, []byte("gorilla-ping"), time.Now().Add(ioTimeout)); err != nil {
			return err
		}
		if err := c.WriteMessage(websocket.TextMessage, []byte("pinged")); err != nil {
			return err
		}
		ce, err := expectClose(c, websocket.CloseNormalClosure) // gorilla echoes it before returning
		if err != nil {
			return err
		}
		if ce.Text != "bye" {
			return fmt.Errorf("gorilla: close reason %q, want %q", ce.Text, "bye")
		}
		if len(pongs) != 1 || pongs[0] != "gorilla-ping" {
			return fmt.Errorf("gorilla: pongs %q, want [gorilla-ping]", pongs)
		}
		return nil
	})

	nc, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ws.NewClient(&ws.Config{Role: ws.RoleClient, Deflate: &ws.DeflateConfig{}}, "ws://"+addr+"/interop")
	if err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, nc, c, done)
	d.flush() // the opening request
	d.expect(ws.EventOpen, nil)

	// gorilla accepts any permessage-deflate offer but only without context
	// takeover in both directions, and says so in its response.
	if pd := c.Deflate(); compress {
		if pd == nil {
			t.Fatalf("permessage-deflate not negotiated; extensions %q", c.Extensions())
		}
		if !pd.ServerNoContextTakeover || !pd.ClientNoContextTakeover {
			t.Errorf("agreed %+v, want no context takeover both ways", *pd)
		}
		if ext := c.Extensions(); !strings.Contains(ext, "server_no_context_takeover") || !strings.Contains(ext, "client_no_context_takeover") {
			t.Errorf("Extensions() = %q", ext)
		}
	} else if pd != nil {
		t.Fatalf("deflate negotiated with a server that does not support it: %+v", *pd)
	}

	// gorilla compresses every data message once deflate is agreed.
	checkCompressed(t, d.expect(ws.EventText, greetText), compress)
	checkCompressed(t, d.expect(ws.EventBinary, greetBin), compress)

	f := d.send(func() error { return c.SendText(libwsText) })
	checkFraming(t, "libws text", f, 1, compress, true, 1)
	d.expect(ws.EventText, libwsText)

	f = d.send(func() error { return c.SendBinary(libwsBin) })
	checkFraming(t, "libws binary", f, 2, compress, true, 1)
	d.expect(ws.EventBinary, libwsBin)

	f = d.send(func() error { return sendFragmented(c, []byte("mid-message")) })
	checkFraming(t, "libws fragmented", f, 1, compress, true, len(fragments()))
	if len(f) < 2 || f[1].op != 9 {
		t.Errorf("libws fragmented: want the ping right after the first fragment, frames %+v", f)
	}
	d.expect(ws.EventPong, []byte("mid-message"))
	d.expect(ws.EventText, fragText)

	f = d.send(func() error { return c.SendBinary(bigBin) })
	checkFraming(t, "libws 1 MiB", f, 2, compress, true, 1)
	checkCompressed(t, d.expect(ws.EventBinary, bigBin), compress)

	f = d.send(func() error { return c.SendText(repetitive) })
	checkFraming(t, "libws repetitive", f, 1, compress, true, 1)
	if wire := wireLen(f); compress && wire > int64(len(repetitive))/10 {
		t.Errorf("a %d-byte repetitive message took %d bytes on the wire", len(repetitive), wire)
	}
	checkCompressed(t, d.expect(ws.EventText, repetitive), compress)

	// Pings both ways: libws → gorilla is answered while gorilla reads;
	// gorilla → libws is answered automatically by libws.
	if err := c.Ping([]byte("libws-ping")); err != nil {
		t.Fatal(err)
	}
	d.send(func() error { return c.SendText([]byte("ping me")) })
	d.expect(ws.EventPong, []byte("libws-ping"))
	d.expect(ws.EventPing, []byte("gorilla-ping"))
	d.expect(ws.EventText, []byte("pinged"))

	// Close started by libws: gorilla echoes the code (without a reason).
	if err := c.Close(ws.CloseNormal, []byte("bye")); err != nil {
		t.Fatal(err)
	}
	d.flush()
	ev := d.expect(ws.EventClose, nil)
	if ev.Code != ws.CloseNormal || ev.Initiator != ws.ClosedByUs {
		t.Errorf("close event: code %d initiator %v, want 1000 by us", ev.Code, ev.Initiator)
	}
	if c.State() != ws.StateClosed || c.Hint() != ws.HintShutdownWrite {
		t.Errorf("after close: state %v hint %v, want closed and shutdown-write", c.State(), c.Hint())
	}
	// RFC 6455 §7.1.1: the client half-closes and waits for the server to
	// close the TCP connection.
	if err := nc.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	d.waitEOF()
	wait(t, done)
}

// wireLen returns the bytes that frames took on the wire (headers included).
func wireLen(frames []frameInfo) int64 {
	var n int64
	for _, f := range frames {
		n += f.length + 2
		switch {
		case f.length > 0xffff:
			n += 8
		case f.length > 125:
			n += 2
		}
		if f.masked {
			n += 4
		}
	}
	return n
}

// --- 2. gorilla client ↔ libws server ---

// acceptServer accepts one connection on ln and drives a libws server on it.
func acceptServer(t *testing.T, ln net.Listener, peer <-chan error) (*driver, *ws.Conn) {
	t.Helper()
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(ioTimeout))
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c, err := ws.NewServer(&ws.Config{Role: ws.RoleServer, Deflate: &ws.DeflateConfig{}})
	if err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, nc, c, peer)
	d.expect(ws.EventRequest, nil)
	d.expect(ws.EventOpen, nil)
	return d, c
}

func listen(t *testing.T) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// dialGorilla connects a gorilla client and checks the deflate answer.
func dialGorilla(addr string, compress bool, writeBuf int) (*websocket.Conn, error) {
	dialer := websocket.Dialer{EnableCompression: compress, WriteBufferSize: writeBuf, HandshakeTimeout: ioTimeout}
	c, resp, err := dialer.Dial("ws://"+addr+"/interop", nil)
	if err != nil {
		return nil, fmt.Errorf("gorilla: dial: %w", err)
	}
	if got := resp.Header.Get("Sec-WebSocket-Extensions"); strings.Contains(got, "permessage-deflate") != compress {
		c.Close()
		return nil, fmt.Errorf("gorilla: Sec-WebSocket-Extensions %q with compression %v", got, compress)
	}
	gorillaDeadlines(c)
	return c, nil
}

func checkServerDeflate(t *testing.T, c *ws.Conn, compress bool) {
	t.Helper()
	pd := c.Deflate()
	switch {
	case compress && pd == nil:
		t.Fatalf("permessage-deflate not negotiated; request extensions %q", c.Extensions())
	case compress && (!pd.ServerNoContextTakeover || !pd.ClientNoContextTakeover):
		t.Errorf("agreed %+v, want no context takeover both ways (gorilla offered it)", *pd)
	case !compress && pd != nil:
		t.Fatalf("deflate negotiated without an offer: %+v", *pd)
	}
}

func TestGorillaClientLibwsServer(t *testing.T) {
	for _, m := range modes() {
		t.Run(m.name, func(t *testing.T) { testLibwsServer(t, m.compress) })
	}
}

func testLibwsServer(t *testing.T, compress bool) {
	ln := listen(t)
	done := make(chan error, 1)
	go func() {
		done <- func() error {
			// A 512-byte write buffer makes gorilla fragment anything longer.
			c, err := dialGorilla(ln.Addr().String(), compress, 512)
			if err != nil {
				return err
			}
			defer c.Close()
			var pongs []string
			c.SetPongHandler(func(s string) error { pongs = append(pongs, s); return nil })
			for _, m := range []struct {
				typ int
				p   []byte
			}{{websocket.TextMessage, greetText}, {websocket.BinaryMessage, greetBin}} {
				if err := c.WriteMessage(m.typ, m.p); err != nil {
					return err
				}
				if err := readExpect(c, m.typ, m.p); err != nil {
					return err
				}
			}
			// NextWriter: ten 1 KiB writes, no flushes; gorilla emits a
			// frame each time its 512-byte buffer fills.
			w, err := c.NextWriter(websocket.BinaryMessage)
			if err != nil {
				return err
			}
			for i := 0; i < len(tenK); i += 1024 {
				if _, err := w.Write(tenK[i : i+1024]); err != nil {
					return err
				}
			}
			if err := w.Close(); err != nil {
				return err
			}
			if err := readExpect(c, websocket.BinaryMessage, tenK); err != nil {
				return err
			}
			// libws's fragmented message, with a ping gorilla answers.
			if err := readExpect(c, websocket.TextMessage, fragText); err != nil {
				return err
			}
			if err := c.WriteMessage(websocket.BinaryMessage, bigBin); err != nil {
				return err
			}
			if err := readExpect(c, websocket.BinaryMessage, bigBin); err != nil {
				return err
			}
			if err := c.WriteControl(websocket.PingMessage, []byte("gorilla-ping"), time.Now().Add(ioTimeout)); err != nil {
				return err
			}
			if err := c.WriteMessage(websocket.TextMessage, []byte("after ping")); err != nil {
				return err
			}
			if err := readExpect(c, websocket.TextMessage, []byte("after ping")); err != nil {
				return err
			}
			if len(pongs) != 1 || pongs[0] != "gorilla-ping" {
				return fmt.Errorf("gorilla: pongs %q, want [gorilla-ping]", pongs)
			}
			ce, err := expectClose(c, 4000)
			if err != nil {
				return err
			}
			if ce.Text != "server says goodbye" {
				return fmt.Errorf("gorilla: close reason %q, want %q", ce.Text, "server says goodbye")
			}
			return nil
		}()
	}()

	d, c := acceptServer(t, ln, done)
	checkServerDeflate(t, c, compress)

	ev := d.expect(ws.EventText, greetText)
	checkCompressed(t, ev, compress)
	f := d.send(func() error { return c.SendText(ev.Data) })
	checkFraming(t, "libws text", f, 1, compress, false, 1)

	ev = d.expect(ws.EventBinary, greetBin)
	checkCompressed(t, ev, compress)
	d.send(func() error { return c.SendBinary(ev.Data) })

	ev = d.expect(ws.EventBinary, tenK)
	checkCompressed(t, ev, compress)
	// gorilla flushes a frame whenever its 512-byte buffer fills, so 10 KiB
	// of incompressible data takes many frames either way.
	checkFraming(t, "gorilla NextWriter", ev.frames, 2, compress, true, 10)
	d.send(func() error { return c.SendBinary(ev.Data) })

	f = d.send(func() error { return sendFragmented(c, []byte("server-mid")) })
	checkFraming(t, "libws fragmented", f, 1, compress, false, len(fragments()))
	d.expect(ws.EventPong, []byte("server-mid"))

	ev = d.expect(ws.EventBinary, bigBin)
	checkCompressed(t, ev, compress)
	d.send(func() error { return c.SendBinary(ev.Data) })
	if err := c.Ping([]byte("server-ping")); err != nil {
		t.Fatal(err)
	}
	d.flush()
	d.expect(ws.EventPing, []byte("gorilla-ping"))
	ev = d.expect(ws.EventText, []byte("after ping"))
	d.send(func() error { return c.SendText(ev.Data) })
	// gorilla answers our ping when it next reads: after "after ping".
	d.expect(ws.EventPong, []byte("server-ping"))

	// Close started by the server.
	if err := c.Close(4000, []byte("server says goodbye")); err != nil {
		t.Fatal(err)
	}
	d.flush()
	ev = d.expect(ws.EventClose, nil)
	if ev.Code != 4000 || ev.Initiator != ws.ClosedByUs {
		t.Errorf("close event: code %d initiator %v, want 4000 by us", ev.Code, ev.Initiator)
	}
	// RFC 6455 §7.1.1: the server closes the TCP connection first.
	if c.Hint() != ws.HintClose {
		t.Errorf("hint %v after the close handshake, want close", c.Hint())
	}
	d.closeTransport()
	wait(t, done)
}

// gorilla does not validate UTF-8 when writing, so it can send a broken
// text message; libws must fail the connection with 1007 (RFC 6455 §8.1).
func TestGorillaClientInvalidUTF8(t *testing.T) {
	for _, m := range modes() {
		for _, bad := range []struct {
			name string
			p    []byte
		}{
			{"0xff", []byte{0xff}},
			{"truncated", []byte("price: \xe2\x82")}, // "€" cut short at the end
			// Fragmented by gorilla's 512-byte buffer when not compressed.
			{"long", append(bytes.Repeat([]byte("é"), 2000), 0xc3, 'x')},
		} {
			t.Run(m.name+"/"+bad.name, func(t *testing.T) {
				ln := listen(t)
				done := make(chan error, 1)
				go func() {
					done <- func() error {
						c, err := dialGorilla(ln.Addr().String(), m.compress, 512)
						if err != nil {
							return err
						}
						defer c.Close()
						if err := c.WriteMessage(websocket.TextMessage, bad.p); err != nil {
							return err
						}
						ce, err := expectClose(c, websocket.CloseInvalidFramePayloadData)
						if err != nil {
							return err
						}
						if !utf8.ValidString(ce.Text) || ce.Text == "" {
							return fmt.Errorf("gorilla: close reason %q", ce.Text)
						}
						return nil
					}()
				}()
				d, c := acceptServer(t, ln, done)
				checkServerDeflate(t, c, m.compress)
				ev := d.next()
				if ev.Type != ws.EventClose || ev.Code != ws.CloseInvalidPayload || ev.Initiator != ws.ClosedByFailure {
					t.Fatalf("got %v event code %d initiator %v %s, want close 1007 by failure", ev.Type, ev.Code, ev.Initiator, show(ev.Data))
				}
				var e *ws.Error
				if !errors.As(c.Err(), &e) || e.CloseCode != ws.CloseInvalidPayload || string(ev.Data) != e.Msg {
					t.Errorf("Err() = %v, event reason %q", c.Err(), ev.Data)
				}
				if c.Hint() != ws.HintClose {
					t.Errorf("hint %v after failing, want close", c.Hint())
				}
				d.closeTransport()
				wait(t, done)
			})
		}
	}
}

// --- 3. echo of random messages through a libws server ---

func TestGorillaEchoThroughLibws(t *testing.T) {
	for _, m := range modes() {
		t.Run(m.name, func(t *testing.T) { testEcho(t, m.compress) })
	}
}

var echoSeed = flag.Uint64("echo.seed", 0, "seed for the random echo messages (0: a new one each run)")

type message struct {
	typ int
	p   []byte
}

// randomMessages returns n messages of 0..70000 bytes, text (valid UTF-8
// with 1- to 4-byte characters) or binary. Sizes are log-uniform, so most
// messages are small and the run stays fast under -race, plus the sizes
// where the frame length encoding changes, placed at random.
func randomMessages(src *rand.ChaCha8, n int) []message {
	r := rand.New(src)
	chars := []rune("aZ09 .~éßЖ€中日😀𝄞")
	sizes := []int{0, 1, 125, 126, 127, 65535, 65536, 70000}
	for len(sizes) < n {
		sizes = append(sizes, int(math.Exp(r.Float64()*math.Log(70001)))-1)
	}
	r.Shuffle(len(sizes), func(i, j int) { sizes[i], sizes[j] = sizes[j], sizes[i] })
	msgs := make([]message, n)
	for i, size := range sizes[:n] {
		if r.IntN(2) == 0 {
			msgs[i] = message{websocket.BinaryMessage, randomBytes(src, size)}
			if r.IntN(2) == 0 { // some compressible binary too
				for j := range msgs[i].p {
					msgs[i].p[j] &= 0x0f
				}
			}
			continue
		}
		p := make([]byte, 0, size)
		for len(p) < size {
			c := chars[r.IntN(len(chars))]
			if len(p)+utf8.RuneLen(c) > size {
				c = 'x'
			}
			p = utf8.AppendRune(p, c)
		}
		msgs[i] = message{websocket.TextMessage, p}
	}
	return msgs
}

func testEcho(t *testing.T, compress bool) {
	s := *echoSeed
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay with -echo.seed=%d)", s, s)
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], s)
	msgs := randomMessages(rand.NewChaCha8(seed), 200)

	ln := listen(t)
	done := make(chan error, 1)
	go func() {
		done <- func() error {
			c, err := dialGorilla(ln.Addr().String(), compress, 0)
			if err != nil {
				return err
			}
			defer c.Close()
			for i, m := range msgs {
				if err := c.WriteMessage(m.typ, m.p); err != nil {
					return fmt.Errorf("message %d: %w", i, err)
				}
				if err := readExpect(c, m.typ, m.p); err != nil {
					return fmt.Errorf("echo %d: %w", i, err)
				}
			}
			if err := c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "done")); err != nil {
				return err
			}
			_, err = expectClose(c, websocket.CloseNormalClosure)
			return err
		}()
	}()

	d, c := acceptServer(t, ln, done)
	checkServerDeflate(t, c, compress)
	for i, m := range msgs {
		typ := ws.EventBinary
		if m.typ == websocket.TextMessage {
			typ = ws.EventText
		}
		ev := d.next()
		if ev.Type != typ || !bytes.Equal(ev.Data, m.p) {
			t.Fatalf("message %d: got %v %s, want %v %s", i, ev.Type, show(ev.Data), typ, show(m.p))
		}
		var err error
		if typ == ws.EventText {
			err = c.SendText(ev.Data)
		} else {
			err = c.SendBinary(ev.Data)
		}
		if err != nil {
			t.Fatalf("echo %d: %v", i, err)
		}
		d.flush()
	}
	ev := d.expect(ws.EventClose, []byte("done"))
	if ev.Code != ws.CloseNormal || ev.Initiator != ws.ClosedByPeer || c.Hint() != ws.HintClose {
		t.Errorf("close: code %d initiator %v hint %v, want 1000 by peer, hint close", ev.Code, ev.Initiator, c.Hint())
	}
	d.closeTransport()
	wait(t, done)
}
