// Command wsbench-go measures the Go surfaces on the shared workloads
// (shared/bench/WORKLOADS.md): libws's Go API (package ws), gorilla/websocket,
// gobwas/ws and gws, on the same bytes, in one process.
//
//	wsbench-go DATA_DIR
//	wsbench-go -echo DATA_DIR   (echo servers over loopback TCP: echo.go)
//
// It reads requests from stdin, one JSON object a line, and answers each
// with one JSON line on stdout (the protocol of every harness under bench/,
// driven by bench/run.py):
//
//	{"w": "w1", "impl": "libws", "min_time": 0.3}
//	→ {"w": "w1", "impl": "libws", "messages": 1310720, "seconds": 0.31, "passes": 10, ...}
//
// The first request of an (impl, workload) pair sets the connection up and
// makes an untimed warm-up pass; on the client side that pass's output is
// captured and checked by an independent re-parser (verify.go). Server
// passes check the message count and checksum every time.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

type request struct {
	W       string  `json:"w"`
	Impl    string  `json:"impl"`
	MinTime float64 `json:"min_time"`
	Clock   string  `json:"clock"` // "cpu" (default): min_time is process CPU time; "wall"
}

type result struct {
	W        string  `json:"w"`
	Impl     string  `json:"impl"`
	Messages int64   `json:"messages,omitempty"`
	Seconds  float64 `json:"seconds,omitempty"`
	Passes   int     `json:"passes,omitempty"`
	// CPUSeconds is the process's CPU time over the same passes (all
	// threads: the GC's too).
	CPUSeconds float64 `json:"cpu_seconds,omitempty"`
	// Client side, from the verified warm-up pass: bytes on the wire and the
	// sum of frame payload lengths (compressed size for W6c).
	WireBytes    int64 `json:"wire_bytes,omitempty"`
	PayloadBytes int64 `json:"payload_wire_bytes,omitempty"`
	// Memory: libws's Conn.Memory() after the passes (bytes).
	Memory int64  `json:"memory_bytes,omitempty"`
	Error  string `json:"error,omitempty"`
	Skip   string `json:"skip,omitempty"`
}

// serverRunner receives one pass of a workload's frames.
type serverRunner interface {
	pass() (msgs int, sum uint32, err error)
}

// clientRunner sends one pass of a workload's messages; with capture non-nil
// it also appends everything written to *capture.
type clientRunner interface {
	pass(capture *[]byte) (wire int64, err error)
}

type impl struct {
	name      string
	newServer func(w *workload) (serverRunner, error)
	newClient func(w *workload) (clientRunner, error)
}

var impls = []impl{
	{"libws", newLibwsServer, newLibwsClient},
	{"libws-batched", nil, newLibwsBatchedClient},
	{"libws-frames", newLibwsFramesServer, nil},
	{"gorilla", newGorillaServer, newGorillaClient},
	{"gobwas", newGobwasServer, newGobwasClient},
	{"gobwas-frames", newGobwasRawServer, nil},
	{"gws", newGwsServer, newGwsClient},
}

type state struct {
	srv map[string]serverRunner
	cli map[string]clientRunner
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "-echo" {
		runEcho(os.Args[2]) // the loopback echo benchmark, echo.go
		return
	}
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: wsbench-go [-echo] DATA_DIR  (requests on stdin, see bench/run.py)")
		os.Exit(2)
	}
	ws, err := loadWorkloads(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "wsbench-go:", err)
		os.Exit(1)
	}
	names := []string{}
	for _, im := range impls {
		names = append(names, im.name)
	}
	out := json.NewEncoder(os.Stdout)
	out.Encode(map[string]any{"hello": map[string]any{
		"surface":  "go",
		"impls":    names,
		"versions": moduleVersions(),
	}})
	st := state{srv: map[string]serverRunner{}, cli: map[string]clientRunner{}}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var rq request
		if err := json.Unmarshal(in.Bytes(), &rq); err != nil {
			out.Encode(result{Error: "bad request: " + err.Error()})
			continue
		}
		out.Encode(st.run(ws, rq))
	}
}

func (st *state) run(ws map[string]*workload, rq request) (res result) {
	res = result{W: rq.W, Impl: rq.Impl}
	defer func() {
		if p := recover(); p != nil {
			res.Error = fmt.Sprint("panic: ", p)
		}
	}()
	w := ws[rq.W]
	if w == nil {
		res.Error = "unknown workload"
		return
	}
	var im *impl
	for i := range impls {
		if impls[i].name == rq.Impl {
			im = &impls[i]
		}
	}
	if im == nil {
		res.Error = "unknown impl"
		return
	}
	key := rq.Impl + "/" + rq.W
	if w.server {
		r := st.srv[key]
		if r == nil {
			if im.newServer == nil {
				res.Skip = "not applicable"
				return
			}
			var err error
			if r, err = im.newServer(w); err != nil {
				res.Error = err.Error()
				return
			}
			if r == nil {
				res.Skip = "not applicable"
				return
			}
			if err := checkServerPass(w, r); err != nil { // warm-up
				res.Error = err.Error()
				return
			}
			st.srv[key] = r
		}
		res.timed(rq, w, func() error { return checkServerPass(w, r) })
		res.memory(r)
		return
	}
	r := st.cli[key]
	if r == nil {
		if im.newClient == nil {
			res.Skip = "not applicable"
			return
		}
		var err error
		if r, err = im.newClient(w); err != nil {
			res.Error = err.Error()
			return
		}
		if r == nil {
			res.Skip = "not applicable"
			return
		}
		var capture []byte
		if _, err := r.pass(&capture); err != nil {
			res.Error = err.Error()
			return
		}
		payload, err := verifyClientOutput(w, capture)
		if err != nil {
			res.Error = "output check: " + err.Error()
			return
		}
		res.WireBytes, res.PayloadBytes = int64(len(capture)), payload
		st.cli[key] = r
	}
	res.timed(rq, w, func() error { _, err := r.pass(nil); return err })
	res.memory(r)
	return
}

func (res *result) memory(r any) {
	if m, ok := r.(interface{ memory() int }); ok {
		res.Memory = int64(m.memory())
	}
}

// timed runs passes until min_time has elapsed on the requested clock.
func (res *result) timed(rq request, w *workload, pass func() error) {
	runtime.GC()
	t0, c0 := time.Now(), cpuTime()
	for {
		if err := pass(); err != nil {
			res.Error = err.Error()
			return
		}
		res.Passes++
		el := cpuTime() - c0
		if rq.Clock == "wall" {
			el = time.Since(t0).Seconds()
		}
		if el >= rq.MinTime {
			break
		}
	}
	res.Seconds = time.Since(t0).Seconds()
	res.CPUSeconds = cpuTime() - c0
	res.Messages = int64(res.Passes) * int64(w.count)
}

// cpuTime is the process's CPU time in seconds.
func cpuTime() float64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts); err != nil {
		panic(err)
	}
	return float64(ts.Sec) + float64(ts.Nsec)/1e9
}

func checkServerPass(w *workload, r serverRunner) error {
	n, sum, err := r.pass()
	if err != nil {
		return err
	}
	if n != w.count || sum != w.checksum {
		return fmt.Errorf("%d messages, checksum %d; want %d, %d", n, sum, w.count, w.checksum)
	}
	return nil
}

func moduleVersions() map[string]string {
	v := map[string]string{"go": runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			for _, p := range []string{"github.com/gorilla/websocket", "github.com/gobwas/ws", "github.com/klauspost/compress", "github.com/lxzan/gws", "github.com/coder/websocket"} {
				if d.Path == p {
					v[strings.TrimPrefix(p, "github.com/")] = d.Version
				}
			}
		}
	}
	return v
}
