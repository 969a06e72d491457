package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/coder/websocket"
	gobwas "github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	gorilla "github.com/gorilla/websocket"
	"github.com/libws/libws/ws/wsnet"
	"github.com/lxzan/gws"
)

// The loopback echo benchmark (wsbench-go -echo DATA_DIR). Server side:
// a WebSocket server of each contender on 127.0.0.1 TCP, echoing every
// message, and one common client for all of them, so that only the server
// differs. Client side ("side": "client", echoclient.go): each contender's
// client against one common raw echo server.
//
// Contenders (each one's whole-message server API, as its documentation
// shows an echo server; no compression):
//   - wsnet: ws/wsnet's Upgrade, then Conn.ReadMessage / WriteMessage
//     (validates UTF-8);
//   - gorilla: Upgrader, ReadMessage / WriteMessage (no UTF-8 check);
//   - gobwas: gobwas/ws's UpgradeHTTP, then wsutil.ReadClientData /
//     WriteServerMessage straight on the net.Conn, as its README's echo
//     server does (ReadClientData checks UTF-8: wsutil.CheckUTF8() is on by
//     default; unbuffered, so a frame is read in several reads and written
//     in two, header and payload);
//   - gws: Upgrader, ReadLoop with OnMessage writing the message back
//     (CheckUtf8Enabled);
//   - coder: coder/websocket's Accept, Read / Write (no UTF-8 check).
//
// The client is the same for every server: raw sockets, one goroutine per
// connection, each message a pre-masked frame written with one Write, then
// the echoed frame read whole and compared byte for byte with what the
// server must send (a 2- or 4-byte header and the payload). Messages are
// W1's (16 B) or W2's (1 KiB) texts, one round trip at a time on each
// connection; a pass is echoPass messages in all, spread over the
// connections. Client and server share the process (and its 2 cores).
//
// Requests are run.py's, with "conns":
//
//	{"w": "w1", "impl": "wsnet", "conns": 100, "side": "server", "min_time": 0.3, "clock": "wall"}

const echoPass = 4000

type echoRequest struct {
	request
	Conns int    `json:"conns"`
	Side  string `json:"side"` // "server" (default): the contender's server; "client": its client
}

type echoImpl struct {
	name    string
	handler func() http.Handler
}

var echoImpls = []echoImpl{
	{"wsnet", wsnetEcho},
	{"gorilla", gorillaEcho},
	{"gobwas", gobwasEcho},
	{"gws", gwsEcho},
	{"coder", coderEcho},
}

func wsnetEcho() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := wsnet.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := context.Background()
		for {
			op, msg, err := c.ReadMessage(ctx)
			if err != nil {
				return
			}
			if err := c.WriteMessage(ctx, op, msg); err != nil {
				return
			}
		}
	})
}

func gorillaEcho() http.Handler {
	u := gorilla.Upgrader{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := u.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			typ, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(typ, msg); err != nil {
				return
			}
		}
	})
}

func gobwasEcho() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _, _, err := gobwas.UpgradeHTTP(r, w)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			msg, op, err := wsutil.ReadClientData(c)
			if err != nil {
				return
			}
			if err := wsutil.WriteServerMessage(c, op, msg); err != nil {
				return
			}
		}
	})
}

type gwsEchoHandler struct{ gws.BuiltinEventHandler }

func (gwsEchoHandler) OnMessage(c *gws.Conn, m *gws.Message) {
	defer m.Close()
	if m.Opcode == gws.OpcodeText || m.Opcode == gws.OpcodeBinary {
		c.WriteMessage(m.Opcode, m.Bytes())
	}
}

func gwsEcho() http.Handler {
	up := gws.NewUpgrader(gwsEchoHandler{}, &gws.ServerOption{CheckUtf8Enabled: true})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r)
		if err != nil {
			return
		}
		go c.ReadLoop()
	})
}

func coderEcho() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(-1)
		ctx := context.Background()
		for {
			typ, msg, err := c.Read(ctx)
			if err != nil {
				return
			}
			if err := c.Write(ctx, typ, msg); err != nil {
				return
			}
		}
	})
}

// echoSetup is one contender's server and its client connections.
type echoSetup struct {
	ln    net.Listener
	srv   *http.Server
	conns []*echoConn
}

type echoConn struct {
	c      net.Conn
	br     *bufio.Reader
	frames [][]byte // masked client frames
	echoes [][]byte // the server frames expected back
	buf    []byte
	next   int
}

// clientFrame masks p into a text frame with a fixed key.
func clientFrame(p []byte) []byte {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	f := []byte{0x81}
	if len(p) < 126 {
		f = append(f, 0x80|byte(len(p)))
	} else {
		f = append(f, 0x80|126, 0, 0)
		binary.BigEndian.PutUint16(f[2:], uint16(len(p)))
	}
	f = append(f, key[:]...)
	for i, b := range p {
		f = append(f, b^key[i&3])
	}
	return f
}

func serverFrame(p []byte) []byte {
	f := []byte{0x81}
	if len(p) < 126 {
		f = append(f, byte(len(p)))
	} else {
		f = append(f, 126, 0, 0)
		binary.BigEndian.PutUint16(f[2:], uint16(len(p)))
	}
	return append(f, p...)
}

func newEchoSetup(im echoImpl, w *workload, conns int) (*echoSetup, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &echoSetup{ln: ln, srv: &http.Server{Handler: im.handler()}}
	go s.srv.Serve(ln)
	var frames, echoes [][]byte
	for _, p := range w.payloads[:min(len(w.payloads), 512)] {
		frames = append(frames, clientFrame(p))
		echoes = append(echoes, serverFrame(p))
	}
	for i := 0; i < conns; i++ {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), 10*time.Second)
		if err != nil {
			s.close()
			return nil, err
		}
		ec := &echoConn{c: c, br: bufio.NewReaderSize(c, 64<<10), frames: frames, echoes: echoes,
			buf: make([]byte, w.size+4), next: i * 7 % len(frames)}
		s.conns = append(s.conns, ec)
		c.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", ln.Addr())
		resp, err := http.ReadResponse(ec.br, nil)
		if err != nil {
			s.close()
			return nil, fmt.Errorf("handshake: %v", err)
		}
		if resp.StatusCode != http.StatusSwitchingProtocols {
			s.close()
			return nil, fmt.Errorf("handshake: %s", resp.Status)
		}
		c.SetDeadline(time.Time{})
	}
	return s, nil
}

func (s *echoSetup) close() {
	for _, c := range s.conns {
		c.c.Close()
	}
	s.srv.Close()
}

// roundTrips sends n messages one at a time and checks every echo.
func (ec *echoConn) roundTrips(n int) error {
	ec.c.SetDeadline(time.Now().Add(30 * time.Second))
	for i := 0; i < n; i++ {
		k := ec.next
		ec.next = (ec.next + 1) % len(ec.frames)
		if _, err := ec.c.Write(ec.frames[k]); err != nil {
			return err
		}
		want := ec.echoes[k]
		got := ec.buf[:len(want)]
		if _, err := io.ReadFull(ec.br, got); err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("echo %d: got % x..., want % x...", k, got[:min(8, len(got))], want[:min(8, len(want))])
		}
	}
	return nil
}

func (s *echoSetup) pass() error {
	per := echoPass / len(s.conns)
	var wg sync.WaitGroup
	errs := make([]error, len(s.conns))
	for i, c := range s.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.roundTrips(per)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func runEcho(dir string) {
	wls, err := loadWorkloads(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wsbench-go -echo:", err)
		os.Exit(1)
	}
	var names []string
	for _, im := range echoImpls {
		names = append(names, im.name)
	}
	out := json.NewEncoder(os.Stdout)
	versions := moduleVersions()
	out.Encode(map[string]any{"hello": map[string]any{"surface": "go-echo", "impls": names, "versions": versions}})
	setups := map[string]*echoSetup{}
	clientSetups = map[string]*clientEchoSetup{}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var rq echoRequest
		if err := json.Unmarshal(in.Bytes(), &rq); err != nil {
			out.Encode(result{Error: "bad request: " + err.Error()})
			continue
		}
		out.Encode(runEchoRequest(wls, setups, rq))
	}
	for _, s := range setups {
		s.close()
	}
	for _, s := range clientSetups {
		s.close()
	}
}

var clientSetups map[string]*clientEchoSetup

func runClientEchoRequest(w *workload, setups map[string]*clientEchoSetup, rq echoRequest) (res result) {
	res = result{W: rq.W, Impl: rq.Impl}
	key := fmt.Sprintf("%s/%s/%d", rq.Impl, rq.W, rq.Conns)
	s := setups[key]
	if s == nil {
		var err error
		if s, err = newClientEchoSetup(rq.Impl, w, rq.Conns); err != nil {
			res.Error = err.Error()
			return
		}
		if err := s.pass(); err != nil { // warm-up, checked like every pass
			s.close()
			res.Error = err.Error()
			return
		}
		setups[key] = s
	}
	res.timed(rq.request, &workload{count: echoPass / rq.Conns * rq.Conns}, s.pass)
	return
}

func runEchoRequest(wls map[string]*workload, setups map[string]*echoSetup, rq echoRequest) (res result) {
	res = result{W: rq.W, Impl: rq.Impl}
	defer func() {
		if p := recover(); p != nil {
			res.Error = fmt.Sprint("panic: ", p)
		}
	}()
	w := wls[rq.W]
	if w == nil || (rq.W != "w1" && rq.W != "w2") {
		res.Skip = "not applicable"
		return
	}
	if rq.Conns < 1 || rq.Conns > echoPass {
		res.Error = "conns out of range"
		return
	}
	var im *echoImpl
	for i := range echoImpls {
		if echoImpls[i].name == rq.Impl {
			im = &echoImpls[i]
		}
	}
	if im == nil && rq.Side != "client" {
		res.Error = "unknown impl"
		return
	}
	if rq.Side == "client" {
		return runClientEchoRequest(w, clientSetups, rq)
	}
	key := fmt.Sprintf("%s/%s/%d", rq.Impl, rq.W, rq.Conns)
	s := setups[key]
	if s == nil {
		var err error
		if s, err = newEchoSetup(*im, w, rq.Conns); err != nil {
			res.Error = err.Error()
			return
		}
		if err := s.pass(); err != nil { // warm-up, checked like every pass
			s.close()
			res.Error = err.Error()
			return
		}
		setups[key] = s
	}
	res.timed(rq.request, &workload{count: echoPass / rq.Conns * rq.Conns}, s.pass)
	return
}
