// Command interop-go holds the Go programs of libws's interop matrix:
//
//	interop-go gorilla-client URL...        gorilla/websocket as the peer client
//	interop-go gorilla-server               gorilla/websocket as the peer server
//	interop-go libws-client URL...          our Go surface (package ws) as the client
//	interop-go libws-server                 our Go surface as the server
//
// Servers print "READY <port-A> <port-B> [<port-C>]", serve one connection per port
// and exit; every program prints a RESULT line per connection (README.md).
// It is a module of its own so that gorilla never becomes a dependency of
// libws.
package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "gorilla-client":
		for _, u := range args {
			gorillaClient(u, connOf(u))
		}
	case "gorilla-server":
		serve([]string{"A", "B"}, gorillaServe) // gorilla cannot limit its window: no C
	case "libws-client":
		for _, u := range args {
			libwsClient(u, connOf(u))
		}
	case "libws-server":
		serve([]string{"A", "B", "C"}, libwsServe)
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: interop-go gorilla-client|libws-client URL... | gorilla-server|libws-server")
	os.Exit(2)
}

// serve listens on a loopback port per connection, announces them, and
// runs one on each listener until all are done.
func serve(conns []string, one func(ln net.Listener, conn string)) {
	lns := make([]net.Listener, len(conns))
	for i := range lns {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, "listen:", err)
			os.Exit(1)
		}
		lns[i] = ln
	}
	ports := make([]int, len(lns))
	for i, ln := range lns {
		ports[i] = ln.Addr().(*net.TCPAddr).Port
	}
	ready(ports)
	done := make(chan struct{}, len(conns))
	for i, conn := range conns {
		go func() {
			one(lns[i], conn)
			lns[i].Close()
			done <- struct{}{}
		}()
	}
	for range conns {
		<-done
	}
}
