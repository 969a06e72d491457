// Command goecho-ws is the optional go-ws surface of the conformance suite
// (--surface go-ws): an echo server and an echo client on package ws driven
// directly, the sans-I/O engine under ws/wsnet (which cmd/goecho, the go
// surface, uses), written the way a Go user would with the package's
// README (a blocking loop per connection).
//
//	goecho-ws -serve 127.0.0.1:0           echo server (permessage-deflate accepted)
//	goecho-ws -client ws://127.0.0.1:9001 -agent go
//	                                       Autobahn fuzzingclient: /getCaseCount,
//	                                       /runCase?case=N for each case, echoing
//	                                       every message, then /updateReports
//	goecho-ws -echo ws://host:port/path    one connection: echo until the server closes
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/libws/libws/ws"
)

func main() {
	serve := flag.String("serve", "", "listen address for the echo server")
	client := flag.String("client", "", "base URL of an Autobahn-style fuzzing server")
	echo := flag.String("echo", "", "URL to connect to and echo what arrives")
	agent := flag.String("agent", "goecho", "agent name for -client")
	flag.Parse()
	switch {
	case *serve != "":
		ln, err := net.Listen("tcp", *serve)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("goecho-ws (package ws) listening on ws://%s/\n", ln.Addr())
		for {
			sock, err := ln.Accept()
			if err != nil {
				log.Fatal(err)
			}
			go serveOne(sock)
		}
	case *client != "":
		if err := fuzzingClient(*client, *agent); err != nil {
			log.Fatal(err)
		}
	case *echo != "":
		if _, err := runClient(*echo, true); err != nil {
			log.Fatal(err)
		}
	default:
		flag.Usage()
		os.Exit(2)
	}
}

func serveOne(sock net.Conn) {
	defer sock.Close()
	c, err := ws.NewServer(&ws.Config{Role: ws.RoleServer, Deflate: &ws.DeflateConfig{}})
	if err != nil {
		log.Print(err)
		return
	}
	err = drive(sock, c, func(ev ws.Event) { echoEvent(c, ev) })
	if err != nil {
		log.Printf("%s: %v", sock.RemoteAddr(), err)
	}
}

// echoEvent sends messages back as they came (a refusal because the
// connection is closing is expected and ignored).
func echoEvent(c *ws.Conn, ev ws.Event) {
	switch ev.Type {
	case ws.EventText:
		c.SendText(ev.Data)
	case ws.EventBinary:
		c.SendBinary(ev.Data)
	}
}

// drive moves bytes between sock and c until the connection is over:
// write the output, obey the hint, read, feed, handle the events.
func drive(sock net.Conn, c *ws.Conn, handle func(ws.Event)) error {
	buf := make([]byte, 64<<10)
	shut := false
	for {
		if _, err := c.WriteTo(sock); err != nil {
			return err
		}
		switch c.Hint() {
		case ws.HintClose:
			return nil
		case ws.HintShutdownWrite:
			if tc, ok := sock.(*net.TCPConn); ok && !shut {
				tc.CloseWrite()
				shut = true
			}
		}
		sock.SetReadDeadline(time.Now().Add(60 * time.Second))
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
		// Both close frames went (RFC 6455 §7.1.1: the TCP close is the
		// server's, and Autobahn's fuzzingserver resets it): nothing lost.
		done := c.State() == ws.StateClosed
		if err != nil {
			c.FeedEOF()
		}
		for ev, ok := c.NextEvent(); ok; ev, ok = c.NextEvent() {
			handle(ev)
		}
		if err != nil {
			c.WriteTo(sock)
			if errors.Is(err, io.EOF) || (done && errors.Is(err, syscall.ECONNRESET)) {
				return nil
			}
			return err
		}
	}
}

// runClient connects to rawURL and echoes every message until the server
// closes. It returns the first text message (for /getCaseCount).
func runClient(rawURL string, echo bool) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	host := u.Host
	if u.Port() == "" {
		host += ":80"
	}
	sock, err := net.DialTimeout("tcp", host, 10*time.Second)
	if err != nil {
		return "", err
	}
	defer sock.Close()
	c, err := ws.NewClient(&ws.Config{Role: ws.RoleClient, Deflate: &ws.DeflateConfig{}}, rawURL)
	if err != nil {
		return "", err
	}
	first := ""
	err = drive(sock, c, func(ev ws.Event) {
		if ev.Type == ws.EventText && first == "" {
			first = string(ev.Data)
		}
		if echo {
			echoEvent(c, ev)
		}
	})
	return first, err
}

func fuzzingClient(base, agent string) error {
	s, err := runClient(base+"/getCaseCount", false)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("getCaseCount answered %q", s)
	}
	for i := 1; i <= n; i++ {
		u := fmt.Sprintf("%s/runCase?case=%d&agent=%s", base, i, url.QueryEscape(agent))
		if _, err := runClient(u, true); err != nil {
			log.Printf("case %d: %v", i, err)
		}
	}
	_, err = runClient(fmt.Sprintf("%s/updateReports?agent=%s", base, url.QueryEscape(agent)), false)
	return err
}
