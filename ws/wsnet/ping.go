package wsnet

import (
	"context"
)

// Ping sends a ping with payload p (at most 125 bytes) and waits for the
// pong that echoes it, or for ctx. Pongs are read by the reader: Ping
// returns only while another goroutine is in ReadMessage or Reader. It may
// be called alongside a writer.
func (c *Conn) Ping(ctx context.Context, p []byte) error {
	ch := make(chan struct{})
	key := string(p)
	c.mu.Lock()
	if c.pings == nil {
		c.pings = make(map[string][]chan struct{})
	}
	c.pings[key] = append(c.pings[key], ch)
	c.mu.Unlock()
	err := c.send(ctx, "ping", func() error { return c.e.Ping(p) })
	if err == nil {
		select {
		case <-ch:
			return nil
		case <-ctx.Done():
			err = wrap("ping", ctx.Err())
		case <-c.closeRecvd:
			err = closedError("closed while waiting for a pong")
		case <-c.done:
			err = closedError("closed while waiting for a pong")
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	chans := c.pings[key]
	for i, x := range chans {
		if x == ch {
			c.pings[key] = append(chans[:i:i], chans[i+1:]...)
			break
		}
	}
	if len(c.pings[key]) == 0 {
		delete(c.pings, key)
	}
	return err
}

// resolvePingLocked wakes the Ping calls waiting for this payload.
func (c *Conn) resolvePingLocked(p []byte) {
	chans, ok := c.pings[string(p)]
	if !ok {
		return
	}
	for _, ch := range chans {
		close(ch)
	}
	delete(c.pings, string(p))
}
