package wsnet

import (
	"context"
	"sync"
	"time"
)

// SetReadDeadline sets the deadline for reads, as net.Conn does; a zero
// time means none. A read that times out returns an error for which
// errors.Is(err, os.ErrDeadlineExceeded) is true and leaves the connection
// usable: bytes already read are kept, and the next read goes on.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.rdl = t
	return c.nc.SetReadDeadline(t)
}

// SetWriteDeadline sets the deadline for writes, as net.Conn does; a zero
// time means none. A write that times out may have sent part of a frame,
// so it closes the connection: later calls fail with that error.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.wdl = t
	return c.nc.SetWriteDeadline(t)
}

// aLongTimeAgo is a deadline in the past, which interrupts blocked I/O.
var aLongTimeAgo = time.Unix(1, 0)

// watch makes ctx's cancellation interrupt the transport's blocked read
// (or write) by moving its deadline into the past; the returned function
// ends the watch and puts the caller's deadline back.
func (c *Conn) watch(ctx context.Context, write bool) func() {
	if ctx.Done() == nil {
		return func() {}
	}
	var mu sync.Mutex
	ended := false
	set := func(t time.Time) {
		if write {
			_ = c.nc.SetWriteDeadline(t)
		} else {
			_ = c.nc.SetReadDeadline(t)
		}
	}
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !ended {
			set(aLongTimeAgo)
		}
	})
	return func() {
		if stop() {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		ended = true
		c.dmu.Lock()
		defer c.dmu.Unlock()
		if write {
			set(c.wdl)
		} else {
			set(c.rdl)
		}
	}
}
