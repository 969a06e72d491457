package wsnet_test

import (
	"context"
	"testing"

	"github.com/libws/libws/ws"
	"github.com/libws/libws/ws/wsnet"
)

// BenchmarkEcho measures a message's round trip through an echo handler
// over loopback TCP: WriteMessage, the server's ReadMessage and
// WriteMessage, ReadMessage.
func BenchmarkEcho(b *testing.B) {
	for _, bc := range []struct {
		name    string
		size    int
		deflate bool
	}{
		{"16B", 16, false},
		{"1KiB", 1 << 10, false},
		{"64KiB", 64 << 10, false},
		{"1MiB", 1 << 20, false},
		{"1KiB-deflate", 1 << 10, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			url := serve(b, deflateConfig(bc.deflate), echoConn)
			c, err := wsnet.Dial(context.Background(), url, deflateConfig(bc.deflate))
			if err != nil {
				b.Fatal(err)
			}
			defer c.CloseNow()
			msg := make([]byte, bc.size)
			for i := range msg {
				msg[i] = byte('a' + i%26)
			}
			ctx := context.Background()
			b.SetBytes(int64(bc.size))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := c.WriteMessage(ctx, ws.OpBinary, msg); err != nil {
					b.Fatal(err)
				}
				if _, _, err := c.ReadMessage(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			c.Close(ws.CloseNormal, "")
		})
	}
}
