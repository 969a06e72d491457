package ws_test

import (
	"fmt"

	"github.com/libws/libws/ws"
)

// relay moves what one connection has queued to the other.
func relay(from, to *ws.Conn) {
	to.Feed(from.Output())
	from.Consume(from.OutputLen())
}

// A client and a server talk in memory: no sockets, just bytes.
func Example() {
	client, _ := ws.NewClient(&ws.Config{Role: ws.RoleClient, Deflate: &ws.DeflateConfig{}}, "ws://example.com/chat")
	server, _ := ws.NewServer(&ws.Config{Role: ws.RoleServer, Deflate: &ws.DeflateConfig{}})

	relay(client, server) // the opening request
	relay(server, client) // the 101 answer
	fmt.Println("extensions:", client.Extensions())

	client.SendText([]byte("hello, hello, hello, hello, hello, hello"))
	client.Close(ws.CloseNormal, []byte("done"))
	relay(client, server)
	for ev, ok := server.NextEvent(); ok; ev, ok = server.NextEvent() {
		switch ev.Type {
		case ws.EventText:
			fmt.Printf("server got %q (compressed: %v)\n", ev.Data, ev.Compressed)
		case ws.EventClose:
			fmt.Printf("server got close %d %q from the %v\n", ev.Code, ev.Data, ev.Initiator)
		default:
			fmt.Println("server event:", ev.Type)
		}
	}
	relay(server, client) // the close echo
	for ev, ok := client.NextEvent(); ok; ev, ok = client.NextEvent() {
		if ev.Type == ws.EventClose {
			fmt.Println("client event: close", ev.Code, ev.Initiator)
		} else {
			fmt.Println("client event:", ev.Type)
		}
	}
	fmt.Println("server:", server.State(), server.Hint(), "client:", client.State(), client.Hint())
	// Output:
	// extensions: permessage-deflate
	// server event: request
	// server event: open
	// server got "hello, hello, hello, hello, hello, hello" (compressed: true)
	// server got close 1000 "done" from the peer
	// client event: open
	// client event: close 1000 local
	// server: closed close client: closed shutdown-write
}

// Streaming delivery: large messages arrive in chunks as their bytes do.
func ExampleConfig_streaming() {
	server, _ := ws.NewConn(&ws.Config{Role: ws.RoleServer, Streaming: true}, nil)
	client, _ := ws.NewConn(&ws.Config{Role: ws.RoleClient}, nil)
	client.BeginMessage(ws.OpText, 0)
	client.SendFragment([]byte("first part, "), false)
	client.SendFragment([]byte("second part"), true)
	out := client.Output()
	server.Feed(out[:10]) // a partial frame
	server.Feed(out[10:])
	for ev, ok := server.NextEvent(); ok; ev, ok = server.NextEvent() {
		fmt.Printf("%v first=%v last=%v %q\n", ev.Type, ev.First, ev.Last, ev.Data)
	}
	// Output:
	// text first=true last=false "firs"
	// text first=false last=false "t part, "
	// text first=false last=true "second part"
}

// Heartbeat pings an idle peer and gives up after MaxPings unanswered.
func ExampleConn_Heartbeat() {
	c, _ := ws.NewConn(&ws.Config{Role: ws.RoleServer, MaxPings: 2}, nil)
	for i := 0; i < 3; i++ {
		c.Heartbeat() // the host's idle timer fired
	}
	ev, _ := c.NextEvent()
	fmt.Println(ev.Type, ev.Code, string(ev.Data), ev.Initiator)
	fmt.Println(c.Heartbeat())
	// Output:
	// close 1008 Unanswered ping(s): 2 failure
	// ws: the connection is closed for sending
}
