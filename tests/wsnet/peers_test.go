package wsnet

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	gorilla "github.com/gorilla/websocket"
	"github.com/libws/libws/ws"
)

// --- gorilla/websocket ---

var gorillaImpl = implementation{
	name:  "gorilla",
	modes: []mode{{"plain", false}, {"deflate", true}},
	dial: func(t *testing.T, url string, m mode) peer {
		d := gorilla.Dialer{HandshakeTimeout: ioTimeout, EnableCompression: m.compress}
		c, resp, err := d.Dial(url, nil)
		if err != nil {
			t.Fatalf("gorilla Dial: %v", err)
		}
		resp.Body.Close()
		return newGorillaPeer(c, false)
	},
	handler: func(t *testing.T, m mode, conns chan<- peer) http.Handler {
		u := gorilla.Upgrader{HandshakeTimeout: ioTimeout, EnableCompression: m.compress}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := u.Upgrade(w, r, nil)
			if err != nil {
				t.Errorf("gorilla Upgrade: %v", err)
				return
			}
			conns <- newGorillaPeer(c, true)
		})
	},
}

type gorillaPeer struct {
	c      *gorilla.Conn
	server bool // closes TCP once the closing handshake is done
	pongs  chan string
	n      int
}

func newGorillaPeer(c *gorilla.Conn, server bool) *gorillaPeer {
	p := &gorillaPeer{c: c, server: server, pongs: make(chan string, 8)}
	c.SetPongHandler(func(data string) error {
		p.pongs <- data
		return nil
	})
	return p
}

func gorillaType(op ws.Opcode) int {
	if op == ws.OpText {
		return gorilla.TextMessage
	}
	return gorilla.BinaryMessage
}

func (p *gorillaPeer) write(op ws.Opcode, b []byte) error {
	p.c.SetWriteDeadline(time.Now().Add(ioTimeout))
	return p.c.WriteMessage(gorillaType(op), b)
}

func (p *gorillaPeer) read() (ws.Opcode, []byte, error) {
	p.c.SetReadDeadline(time.Now().Add(ioTimeout))
	typ, b, err := p.c.ReadMessage()
	var ce *gorilla.CloseError
	if errors.As(err, &ce) {
		// gorilla's close handler has replied; a server then closes TCP,
		// as a handler returning from its read loop does (RFC 6455 §7.1.1).
		if p.server {
			p.c.Close()
		}
		return 0, nil, &closeErr{ce.Code, ce.Text}
	}
	if err != nil {
		return 0, nil, err
	}
	if typ == gorilla.TextMessage {
		return ws.OpText, b, nil
	}
	return ws.OpBinary, b, nil
}

func (p *gorillaPeer) ping() error {
	p.n++
	data := fmt.Sprint("gorilla ping ", p.n)
	if err := p.c.WriteControl(gorilla.PingMessage, []byte(data), time.Now().Add(ioTimeout)); err != nil {
		return err
	}
	select {
	case got := <-p.pongs:
		if got != data {
			return fmt.Errorf("pong %q for ping %q", got, data)
		}
		return nil
	case <-time.After(ioTimeout):
		return errors.New("no pong")
	}
}

// close sends a close frame and reads until the reply (gorilla has no
// closing handshake of its own).
func (p *gorillaPeer) close(code int, reason string) (int, error) {
	msg := gorilla.FormatCloseMessage(code, reason)
	if err := p.c.WriteControl(gorilla.CloseMessage, msg, time.Now().Add(ioTimeout)); err != nil {
		return 0, err
	}
	for {
		_, _, err := p.read()
		var ce *closeErr
		if errors.As(err, &ce) {
			return ce.code, nil
		}
		if err != nil {
			return 0, err
		}
	}
}

func (p *gorillaPeer) closeNow() { p.c.Close() }

// --- coder/websocket ---

var coderImpl = implementation{
	name: "coder",
	modes: []mode{
		{"plain", false},
		{"context-takeover", true},
		{"no-context-takeover", true},
	},
	dial: func(t *testing.T, url string, m mode) peer {
		ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
		defer cancel()
		c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{CompressionMode: coderMode(m)})
		if err != nil {
			t.Fatalf("coder Dial: %v", err)
		}
		return newCoderPeer(c)
	},
	handler: func(t *testing.T, m mode, conns chan<- peer) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: coderMode(m)})
			if err != nil {
				t.Errorf("coder Accept: %v", err)
				return
			}
			conns <- newCoderPeer(c)
		})
	},
}

func coderMode(m mode) websocket.CompressionMode {
	switch m.name {
	case "context-takeover":
		return websocket.CompressionContextTakeover
	case "no-context-takeover":
		return websocket.CompressionNoContextTakeover
	}
	return websocket.CompressionDisabled
}

type coderPeer struct{ c *websocket.Conn }

func newCoderPeer(c *websocket.Conn) *coderPeer {
	c.SetReadLimit(4 << 20) // 32 KiB by default
	return &coderPeer{c}
}

func timeout() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), ioTimeout)
}

func (p *coderPeer) write(op ws.Opcode, b []byte) error {
	ctx, cancel := timeout()
	defer cancel()
	typ := websocket.MessageBinary
	if op == ws.OpText {
		typ = websocket.MessageText
	}
	return p.c.Write(ctx, typ, b)
}

func (p *coderPeer) read() (ws.Opcode, []byte, error) {
	ctx, cancel := timeout()
	defer cancel()
	typ, b, err := p.c.Read(ctx)
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return 0, nil, &closeErr{int(ce.Code), ce.Reason}
	}
	if err != nil {
		return 0, nil, err
	}
	if typ == websocket.MessageText {
		return ws.OpText, b, nil
	}
	return ws.OpBinary, b, nil
}

func (p *coderPeer) ping() error {
	ctx, cancel := timeout()
	defer cancel()
	return p.c.Ping(ctx)
}

// close runs coder's closing handshake, which succeeds only when the reply
// carries the same code.
func (p *coderPeer) close(code int, reason string) (int, error) {
	if err := p.c.Close(websocket.StatusCode(code), reason); err != nil {
		return 0, err
	}
	return code, nil
}

func (p *coderPeer) closeNow() { p.c.CloseNow() }
