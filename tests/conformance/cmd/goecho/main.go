// Command goecho is the Go surface of the conformance suite: an echo
// server and an echo client on ws/wsnet, libws's blocking layer over
// net.Conn and net/http, written the way a Go user would with its
// documentation (an http.Handler calling wsnet.Upgrade, wsnet.Dial, and a
// ReadMessage / WriteMessage loop per connection).
//
//	goecho -serve 127.0.0.1:0              echo server (permessage-deflate accepted)
//	goecho -client ws://127.0.0.1:9001 -agent go
//	                                       Autobahn fuzzingclient: /getCaseCount,
//	                                       /runCase?case=N for each case, echoing
//	                                       every message, then /updateReports
//	goecho -echo ws://host:port/path       one connection: echo until the server closes
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/libws/libws/ws"
	"github.com/libws/libws/ws/wsnet"
)

// config accepts (server) or offers (client) permessage-deflate.
func config() *wsnet.Config {
	return &wsnet.Config{WS: &ws.Config{Deflate: &ws.DeflateConfig{}}}
}

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
		fmt.Printf("goecho (ws/wsnet) listening on ws://%s/\n", ln.Addr())
		srv := &http.Server{Handler: http.HandlerFunc(serveOne), ReadHeaderTimeout: 10 * time.Second}
		log.Fatal(srv.Serve(ln))
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

func serveOne(w http.ResponseWriter, r *http.Request) {
	c, err := wsnet.Upgrade(w, r, config())
	if err != nil {
		log.Printf("%s: %v", r.RemoteAddr, err) // already answered
		return
	}
	defer c.CloseNow()
	if err := echoLoop(c, nil); err != nil {
		log.Printf("%s: %v", r.RemoteAddr, err)
	}
}

// echoLoop sends every message back as it came until the connection ends;
// first, if not nil, gets the first text message. The end of the
// connection by a close frame (the peer's, or ours after a protocol error
// of the peer: a *wsnet.CloseError) is the normal end, so is a write
// refused because the connection is closing.
func echoLoop(c *wsnet.Conn, first *string) error {
	ctx := context.Background()
	for echo := first == nil; ; {
		op, msg, err := c.ReadMessage(ctx)
		if err != nil {
			var ce *wsnet.CloseError
			if errors.As(err, &ce) && ce.Code != ws.CloseCode(1006) || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		if first != nil && op == ws.OpText && *first == "" {
			*first = string(msg)
		}
		if echo {
			if err := c.WriteMessage(ctx, op, msg); err != nil && !errors.Is(err, net.ErrClosed) {
				return err
			}
		}
	}
}

// runClient connects to rawURL and echoes every message (with echo) until
// the server closes. It returns the first text message (for
// /getCaseCount). The transport is left to wsnet: after the closing
// handshake a client waits for the server to close TCP (RFC 6455 §7.1.1).
func runClient(rawURL string, echo bool) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := wsnet.Dial(ctx, rawURL, config())
	if err != nil {
		return "", err
	}
	first := ""
	var fp *string
	if !echo {
		fp = &first
	}
	if err := echoLoop(c, fp); err != nil {
		c.CloseNow()
		return first, err
	}
	return first, nil
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
