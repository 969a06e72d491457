package wsnet

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libws/libws/ws"
)

// Conn is a WebSocket connection over a net.Conn, made by Upgrade or Dial.
//
// One goroutine may read (ReadMessage, Reader) while another writes
// (WriteMessage, Writer); Ping, Close, CloseNow, the deadline setters and
// the keepalive may be called from any goroutine at any time. A second
// concurrent reader gets ErrConcurrentRead and a second concurrent data
// writer ErrConcurrentWrite: misuse is an error, never a panic or a data
// race.
//
// Pongs and close replies that the protocol owes the peer are written by
// whichever goroutine is writing at the time, or by the reader, so a
// connection that is only read still answers pings.
type Conn struct {
	nc           net.Conn
	closeTimeout time.Duration

	// mu guards e and the fields after it. It is held for short critical
	// sections only, never across network I/O.
	mu         sync.Mutex
	e          *ws.Conn
	rerr       error // the terminal read error, once the close event was taken
	werr       error // the sticky write error
	closed     bool  // the transport is closed
	closing    bool  // Close was called
	shook      bool  // the closing handshake completed (both close frames)
	eofWait    bool  // a goroutine waits for the server to close TCP
	eofPending bool  // the transport ended; FeedEOF once rpend is fed
	eofFed     bool
	netErr     error // why the transport ended
	pings      map[string][]chan struct{}
	wbuf       []byte // output being written, owned by the wlock holder

	wlock   chan struct{} // held by the goroutine writing to nc
	writing atomic.Bool   // a data write is in progress
	reading atomic.Bool   // a read is in progress

	// Owned by the goroutine holding reading.
	rbuf    []byte
	rpend   []byte // read from nc, not yet fed
	partial bool   // inside a streamed message whose rest is unread
	rgen    uint64 // which message Reader returned last

	done       chan struct{} // closed when the transport is closed
	closeRecvd chan struct{} // closed when the close event was taken
	lastRead   atomic.Int64  // UnixNano of the last successful read

	dmu      sync.Mutex // guards the deadlines
	rdl, wdl time.Time
}

const (
	readBufSize = 16 << 10
	// keepWBuf bounds the write buffer a connection keeps: a 64 KiB
	// message with its header. Larger outputs are copied into pooled
	// buffers (write.go), so a big message costs no allocation.
	keepWBuf = 64<<10 + 14
	// writeChunk is the most written at once: an output larger than this
	// is written in chunks of it, which bounds the pooled buffers.
	writeChunk = 4 << 20
)

func newConn(nc net.Conn, e *ws.Conn, cfg *Config) *Conn {
	c := &Conn{
		nc:           nc,
		closeTimeout: cfg.closeTimeout(),
		e:            e,
		wlock:        make(chan struct{}, 1),
		done:         make(chan struct{}),
		closeRecvd:   make(chan struct{}),
	}
	c.lastRead.Store(time.Now().UnixNano())
	return c
}

// Subprotocol returns the negotiated subprotocol, or "".
func (c *Conn) Subprotocol() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.e.Subprotocol()
}

// Extensions returns the negotiated extensions as a
// Sec-WebSocket-Extensions value, e.g. "permessage-deflate", or "".
func (c *Conn) Extensions() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.e.Extensions()
}

// LocalAddr returns the local network address.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// RemoteAddr returns the remote network address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }
