package main

import (
	"net"
	"testing"
	"time"
)

// TestDemo runs the demo's server and client over a loopback socket, so
// that `make demo` keeps working.
func TestDemo(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go serve(ln)
	done := make(chan error, 1)
	go func() { done <- runClient("ws://" + ln.Addr().String() + "/echo") }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not finish")
	}
}
