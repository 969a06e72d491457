package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
	gobwas "github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	gorilla "github.com/gorilla/websocket"
	"github.com/libws/libws/ws"
	"github.com/libws/libws/ws/wsnet"
	"github.com/lxzan/gws"
)

// The client side of the loopback echo benchmark ("side": "client"): each
// contender's client (its whole-message write and read calls) against one
// common raw echo server, so that only the client differs. The server
// (rawEchoServer) answers the handshake by hand, unmasks each frame and
// writes it back unmasked with one Write; every client compares each echo
// with what it sent.

var echoClients = []struct {
	name string
	dial func(url string) (echoClient, error)
}{
	{"wsnet", dialWsnetEcho},
	{"gorilla", dialGorillaEcho},
	{"gobwas", dialGobwasEcho},
	{"gws", dialGwsEcho},
	{"coder", dialCoderEcho},
}

// echoClient sends p as a text message and returns the echo.
type echoClient interface {
	roundTrip(p []byte) ([]byte, error)
	close()
}

type wsnetEchoClient struct{ c *wsnet.Conn }

func dialWsnetEcho(url string) (echoClient, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := wsnet.Dial(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	return wsnetEchoClient{c}, nil
}

func (e wsnetEchoClient) roundTrip(p []byte) ([]byte, error) {
	ctx := context.Background()
	if err := e.c.WriteMessage(ctx, ws.OpText, p); err != nil {
		return nil, err
	}
	_, b, err := e.c.ReadMessage(ctx)
	return b, err
}

func (e wsnetEchoClient) close() { e.c.CloseNow() }

type gorillaEchoClient struct{ c *gorilla.Conn }

func dialGorillaEcho(url string) (echoClient, error) {
	c, _, err := gorilla.DefaultDialer.Dial(url, nil)
	if err != nil {
		return nil, err
	}
	return gorillaEchoClient{c}, nil
}

func (e gorillaEchoClient) roundTrip(p []byte) ([]byte, error) {
	if err := e.c.WriteMessage(gorilla.TextMessage, p); err != nil {
		return nil, err
	}
	_, b, err := e.c.ReadMessage()
	return b, err
}

func (e gorillaEchoClient) close() { e.c.Close() }

// gobwas/ws's client: ws.Dial, then wsutil.WriteClientMessage (copies and
// masks the payload, writes header and payload in two writes) and
// wsutil.ReadServerData (checks UTF-8, as wsutil.CheckUTF8() is on by
// default), straight on the net.Conn as its README shows.
type gobwasEchoClient struct {
	c net.Conn
	r io.Reader // c, or the bufio.Reader ws.Dial returns when the server sent frames with its response
}

type gobwasReadWriter struct {
	io.Reader
	io.Writer
}

func dialGobwasEcho(url string) (echoClient, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, br, _, err := gobwas.Dial(ctx, url)
	if err != nil {
		return nil, err
	}
	e := gobwasEchoClient{c: c, r: c}
	if br != nil {
		e.r = br
	}
	return e, nil
}

func (e gobwasEchoClient) roundTrip(p []byte) ([]byte, error) {
	if err := wsutil.WriteClientMessage(e.c, gobwas.OpText, p); err != nil {
		return nil, err
	}
	b, _, err := wsutil.ReadServerData(gobwasReadWriter{e.r, e.c})
	return b, err
}

func (e gobwasEchoClient) close() { e.c.Close() }

type coderEchoClient struct{ c *websocket.Conn }

func dialCoderEcho(url string) (echoClient, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(-1)
	return coderEchoClient{c}, nil
}

func (e coderEchoClient) roundTrip(p []byte) ([]byte, error) {
	ctx := context.Background()
	if err := e.c.Write(ctx, websocket.MessageText, p); err != nil {
		return nil, err
	}
	_, b, err := e.c.Read(ctx)
	return b, err
}

func (e coderEchoClient) close() { e.c.CloseNow() }

// gws's client is event-driven: ReadLoop delivers messages to OnMessage,
// which hands them to the sending goroutine.
type gwsEchoClient struct {
	gws.BuiltinEventHandler
	c    *gws.Conn
	msgs chan []byte
	errs chan error
}

func (e *gwsEchoClient) OnMessage(c *gws.Conn, m *gws.Message) {
	b := append([]byte(nil), m.Bytes()...)
	m.Close()
	e.msgs <- b
}

func (e *gwsEchoClient) OnClose(c *gws.Conn, err error) {
	if err == nil {
		err = errors.New("gws: connection closed")
	}
	select {
	case e.errs <- err:
	default:
	}
}

func dialGwsEcho(url string) (echoClient, error) {
	e := &gwsEchoClient{msgs: make(chan []byte, 1), errs: make(chan error, 1)}
	c, _, err := gws.NewClient(e, &gws.ClientOption{Addr: url, CheckUtf8Enabled: true})
	if err != nil {
		return nil, err
	}
	e.c = c
	go c.ReadLoop()
	return e, nil
}

func (e *gwsEchoClient) roundTrip(p []byte) ([]byte, error) {
	if err := e.c.WriteMessage(gws.OpcodeText, p); err != nil {
		return nil, err
	}
	select {
	case b := <-e.msgs:
		return b, nil
	case err := <-e.errs:
		return nil, err
	case <-time.After(30 * time.Second):
		return nil, errors.New("gws: no echo")
	}
}

func (e *gwsEchoClient) close() { e.c.NetConn().Close() }

// rawEchoServer is the common server of the client side.
type rawEchoServer struct {
	ln net.Listener
	wg sync.WaitGroup
}

func newRawEchoServer() (*rawEchoServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &rawEchoServer{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				rawEcho(c)
			}()
		}
	}()
	return s, nil
}

func (s *rawEchoServer) url() string { return "ws://" + s.ln.Addr().String() + "/" }

func (s *rawEchoServer) close() { s.ln.Close() }

// rawEcho answers the opening handshake, then echoes data frames (whole
// messages of one frame each, as the clients send them) until a close.
func rawEcho(c net.Conn) error {
	br := bufio.NewReaderSize(c, 64<<10)
	req, err := http.ReadRequest(br)
	if err != nil {
		return err
	}
	h := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	fmt.Fprintf(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Accept: %s\r\n\r\n", base64.StdEncoding.EncodeToString(h[:]))
	var hdr [14]byte
	out := make([]byte, 0, 64<<10)
	for {
		if _, err := io.ReadFull(br, hdr[:2]); err != nil {
			return err
		}
		op, n := hdr[0]&0x0f, uint64(hdr[1]&0x7f)
		if hdr[1]&0x80 == 0 || hdr[0]&0xf0 != 0x80 {
			return errors.New("unmasked, fragmented or RSV frame")
		}
		switch n {
		case 126:
			if _, err := io.ReadFull(br, hdr[2:4]); err != nil {
				return err
			}
			n = uint64(binary.BigEndian.Uint16(hdr[2:4]))
		case 127:
			if _, err := io.ReadFull(br, hdr[2:10]); err != nil {
				return err
			}
			n = binary.BigEndian.Uint64(hdr[2:10])
		}
		var key [4]byte
		if _, err := io.ReadFull(br, key[:]); err != nil {
			return err
		}
		out = append(out[:0], 0x80|op)
		switch {
		case n < 126:
			out = append(out, byte(n))
		case n < 1<<16:
			out = binary.BigEndian.AppendUint16(append(out, 126), uint16(n))
		default:
			out = binary.BigEndian.AppendUint64(append(out, 127), n)
		}
		h := len(out)
		out = append(out, make([]byte, n)...)
		if _, err := io.ReadFull(br, out[h:]); err != nil {
			return err
		}
		for i := range out[h:] {
			out[h+i] ^= key[i&3]
		}
		if op == 0x9 { // ping: pong
			out[0] = 0x8A
		}
		if _, err := c.Write(out); err != nil {
			return err
		}
		if op == 0x8 {
			return nil
		}
	}
}

// clientEchoSetup is one client contender's connections to the raw server.
type clientEchoSetup struct {
	srv      *rawEchoServer
	conns    []echoClient
	payloads [][]byte
}

func newClientEchoSetup(name string, w *workload, conns int) (*clientEchoSetup, error) {
	var dial func(string) (echoClient, error)
	for _, c := range echoClients {
		if c.name == name {
			dial = c.dial
		}
	}
	if dial == nil {
		return nil, errors.New("unknown impl")
	}
	srv, err := newRawEchoServer()
	if err != nil {
		return nil, err
	}
	s := &clientEchoSetup{srv: srv, payloads: w.payloads[:min(len(w.payloads), 512)]}
	for i := 0; i < conns; i++ {
		c, err := dial(srv.url())
		if err != nil {
			s.close()
			return nil, err
		}
		s.conns = append(s.conns, c)
	}
	return s, nil
}

func (s *clientEchoSetup) close() {
	for _, c := range s.conns {
		c.close()
	}
	s.srv.close()
}

func (s *clientEchoSetup) pass() error {
	per := echoPass / len(s.conns)
	var wg sync.WaitGroup
	errs := make([]error, len(s.conns))
	for i, c := range s.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < per; j++ {
				p := s.payloads[(i*7+j)%len(s.payloads)]
				b, err := c.roundTrip(p)
				if err != nil {
					errs[i] = err
					return
				}
				if !bytes.Equal(b, p) {
					errs[i] = fmt.Errorf("echo of %q came back as %q", p[:min(16, len(p))], b[:min(16, len(b))])
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
