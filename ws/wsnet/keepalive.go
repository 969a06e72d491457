package wsnet

import (
	"context"
	"time"
)

// startKeepAlive runs the keepalive, if configured, once the connection is
// open.
func (c *Conn) startKeepAlive(d time.Duration) {
	if d > 0 {
		go c.keepAlive(d)
	}
}

// keepAlive pings (ws.Conn.Heartbeat) while nothing arrives.
func (c *Conn) keepAlive(d time.Duration) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		if time.Since(time.Unix(0, c.lastRead.Load())) < d {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), d)
		err := c.send(ctx, "keepalive", c.e.Heartbeat)
		cancel()
		if err != nil {
			return
		}
	}
}
