// Command echo is a small demonstration of package ws over real sockets: it
// starts an echo server on a loopback port, connects a client to it,
// exchanges a few messages (one compressed, one fragmented, a ping), closes
// cleanly and prints what each side saw.
//
// Both ends use the same blocking loop: read from the socket, Feed, handle
// events, write Output. Package ws does no I/O itself.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strings"
	"time"

	"github.com/libws/libws/ws"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:0", "address for the echo server")
	serveOnly := flag.Bool("serve", false, "only run the server (until killed)")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("echo server listening on ws://%s/\n", ln.Addr())
	go serve(ln)
	if *serveOnly {
		select {}
	}
	if err := runClient("ws://" + ln.Addr().String() + "/echo"); err != nil {
		log.Fatal(err)
	}
}

func serve(ln net.Listener) {
	for {
		sock, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer sock.Close()
			c, _ := ws.NewServer(&ws.Config{Role: ws.RoleServer, Deflate: &ws.DeflateConfig{}})
			err := drive(sock, c, func(ev ws.Event) {
				switch ev.Type {
				case ws.EventText:
					c.SendText(ev.Data)
				case ws.EventBinary:
					c.SendBinary(ev.Data)
				}
			})
			if err != nil {
				fmt.Fprintln(os.Stderr, "server:", err)
			}
		}()
	}
}

// drive runs the connection over sock until it is closed, calling handle
// for each event. The ws.Conn does the protocol work; this loop moves bytes.
func drive(sock net.Conn, c *ws.Conn, handle func(ws.Event)) error {
	buf := make([]byte, 32<<10)
	for {
		if _, err := c.WriteTo(sock); err != nil {
			return err
		}
		switch c.Hint() {
		case ws.HintClose:
			return nil
		case ws.HintShutdownWrite:
			if tc, ok := sock.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
		}
		sock.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := sock.Read(buf)
		for in := buf[:n]; len(in) > 0; {
			// Feed stops when the receive budget fills: take the events,
			// then feed the rest.
			k, _ := c.Feed(in)
			if in = in[k:]; len(in) > 0 {
				for ev, ok := c.NextEvent(); ok; ev, ok = c.NextEvent() {
					handle(ev)
				}
			}
		}
		if errors.Is(err, io.EOF) {
			c.FeedEOF()
		} else if err != nil {
			return err
		}
		for ev, ok := c.NextEvent(); ok; ev, ok = c.NextEvent() {
			handle(ev)
		}
		if c.State() == ws.StateClosed && c.OutputLen() == 0 && (c.Hint() == ws.HintClose || err != nil) {
			return nil
		}
	}
}

func runClient(url string) error {
	sock, err := net.Dial("tcp", strings.TrimPrefix(url[:strings.LastIndex(url, "/")], "ws://"))
	if err != nil {
		return err
	}
	defer sock.Close()
	c, err := ws.NewClient(&ws.Config{Role: ws.RoleClient, Deflate: &ws.DeflateConfig{}}, url)
	if err != nil {
		return err
	}
	step := 0
	big := bytes.Repeat([]byte("compressible "), 1000)
	return drive(sock, c, func(ev ws.Event) {
		switch ev.Type {
		case ws.EventOpen:
			fmt.Printf("client: connected, extensions %q\n", c.Extensions())
			c.SendText([]byte("Hello, WebSocket!"))
		case ws.EventText, ws.EventBinary:
			shown := string(ev.Data)
			if len(shown) > 40 {
				shown = fmt.Sprintf("%s... (%d bytes)", shown[:40], len(ev.Data))
			}
			fmt.Printf("client: echo %v %q compressed=%v\n", ev.Type, shown, ev.Compressed)
			step++
			switch step {
			case 1:
				c.SendBinary(big)
			case 2:
				c.BeginMessage(ws.OpText, 0)
				c.SendFragment([]byte("sent in "), false)
				c.Ping([]byte("are you there?"))
				c.SendFragment([]byte("three "), false)
				c.SendFragment([]byte("fragments"), true)
			default:
				c.Close(ws.CloseNormal, []byte("demo done"))
			}
		case ws.EventPong:
			fmt.Printf("client: pong %q\n", ev.Data)
		case ws.EventClose:
			fmt.Printf("client: closed with %d %q (%v)\n", ev.Code, ev.Data, ev.Initiator)
		case ws.EventRejected:
			fmt.Printf("client: rejected: %s\n", ev.Data)
		}
	})
}
