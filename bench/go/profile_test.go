package main

// Benchmarks for profiling libws's Go core on what the C scaling benchmark
// (bench/c/scale.c) does: many server connections, each fed client frames
// round-robin and echoing them, with permessage-deflate context takeover
// (15 bits both ways) or without compression.
//
//	go test -run '^$' -bench RoundRobin -cpuprofile cpu.out && go tool pprof -top cpu.out

import (
	"fmt"
	"os"
	"testing"

	"github.com/libws/libws/ws"
)

func benchRoundRobin(b *testing.B, conns int, deflate bool, size int) {
	text, err := os.ReadFile("../data/w6.text")
	if err != nil {
		b.Skip("no workloads in ../data (bench/run.sh makes them)")
	}
	var agreed *ws.Agreement
	cfg := func(role ws.Role) *ws.Config {
		c := &ws.Config{Role: role}
		if deflate {
			c.Deflate = &ws.DeflateConfig{}
		}
		return c
	}
	if deflate {
		agreed = &ws.Agreement{Deflate: &ws.DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}}
	}
	cli, err := ws.NewConn(cfg(ws.RoleClient), agreed)
	if err != nil {
		b.Fatal(err)
	}
	const msgs = 64
	frames := make([][]byte, msgs)
	for k := range frames {
		if err := cli.SendText(text[k*size : (k+1)*size]); err != nil {
			b.Fatal(err)
		}
		frames[k] = append([]byte(nil), cli.Output()...)
		cli.Consume(cli.OutputLen())
	}
	srv := make([]*ws.Conn, conns)
	for i := range srv {
		if srv[i], err = ws.NewConn(cfg(ws.RoleServer), agreed); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	n := 0
	for k := 0; n < b.N; k = (k + 1) % msgs {
		if k == 0 && n > 0 { // a new stream: fresh connections
			b.StopTimer()
			for i := range srv {
				srv[i], _ = ws.NewConn(cfg(ws.RoleServer), agreed)
			}
			b.StartTimer()
		}
		for _, c := range srv {
			if _, err := c.Feed(frames[k]); err != nil {
				b.Fatal(err)
			}
			e, ok := c.NextEvent()
			if !ok || e.Type != ws.EventText {
				b.Fatalf("no message (%v)", e.Type)
			}
			if err := c.SendText(e.Data); err != nil {
				b.Fatal(err)
			}
			c.Consume(c.OutputLen())
			n++
		}
	}
}

func BenchmarkRoundRobin(b *testing.B) {
	for _, deflate := range []bool{false, true} {
		for _, conns := range []int{1, 100} {
			b.Run(fmt.Sprintf("deflate=%v/conns=%d", deflate, conns), func(b *testing.B) {
				benchRoundRobin(b, conns, deflate, 1024)
			})
		}
	}
}

// BenchmarkWorkload runs the harness's runners on the shared workloads, for
// profiling: go test -run '^$' -bench 'Workload/w1/libws$' -cpuprofile cpu.out
// One op is one pass over the workload.
func BenchmarkWorkload(b *testing.B) {
	ws, err := loadWorkloads("../data")
	if err != nil {
		b.Skip("no workloads in ../data (bench/run.sh makes them)")
	}
	for _, id := range []string{"w1", "w2", "w3", "w4", "w5a", "w5b", "w5c", "w5d", "w6c", "w6d"} {
		w := ws[id]
		for _, im := range impls {
			b.Run(id+"/"+im.name, func(b *testing.B) {
				var pass func() error
				if w.server {
					if im.newServer == nil {
						b.Skip()
					}
					r, err := im.newServer(w)
					if err != nil || r == nil {
						b.Skip()
					}
					pass = func() error { return checkServerPass(w, r) }
				} else {
					if im.newClient == nil {
						b.Skip()
					}
					r, err := im.newClient(w)
					if err != nil || r == nil {
						b.Skip()
					}
					pass = func() error { _, err := r.pass(nil); return err }
				}
				b.SetBytes(int64(w.count * w.size))
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if err := pass(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N*w.count)/b.Elapsed().Seconds(), "msg/s")
			})
		}
	}
}
