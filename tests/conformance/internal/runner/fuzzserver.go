package runner

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/libws/libws/tests/conformance/internal/cases"
	"github.com/libws/libws/tests/conformance/internal/driver"
	"github.com/libws/libws/tests/conformance/internal/pmd"
)

// FuzzServer is the fuzzing server for testing clients, speaking
// Autobahn's fuzzingserver protocol:
//
//	/getCaseCount                 a text message with the number of cases, then close
//	/runCase?case=N&agent=NAME    case N (1-based) of the selection
//	/updateReports?agent=NAME     close (the client is done)
type FuzzServer struct {
	ln      net.Listener
	cases   []*cases.Case
	profile *cases.Profile
	log     func(string)

	mu      sync.Mutex
	results map[int]cases.Result
	changed chan struct{}
	updated bool
}

// NewFuzzServer listens on a free loopback port.
func NewFuzzServer(cs []*cases.Case, p *cases.Profile, log func(string)) (*FuzzServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &FuzzServer{ln: ln, cases: cs, profile: p, log: log, results: map[int]cases.Result{}, changed: make(chan struct{})}
	go s.serve()
	return s, nil
}

// URL is the base URL clients connect to.
func (s *FuzzServer) URL() string { return "ws://" + s.ln.Addr().String() }

// Close stops listening.
func (s *FuzzServer) Close() { s.ln.Close() }

func (s *FuzzServer) serve() {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.handle(nc)
	}
}

func (s *FuzzServer) record(n int, r cases.Result) {
	s.mu.Lock()
	if _, dup := s.results[n]; !dup {
		s.results[n] = r
	}
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	if s.log != nil {
		s.log(line(r))
	}
}

// Results returns the results so far, by case number.
func (s *FuzzServer) Results() map[int]cases.Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int]cases.Result, len(s.results))
	for k, v := range s.results {
		out[k] = v
	}
	return out
}

// Wait waits until case n has a result, updateReports came, or timeout.
func (s *FuzzServer) Wait(n int, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		_, ok := s.results[n]
		if n == 0 {
			ok = s.updated
		}
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-deadline:
			return false
		}
	}
}

var caseParam = regexp.MustCompile(`[?&]case=(\d+)`)

func (s *FuzzServer) handle(nc net.Conn) {
	req, err := driver.ReadRequest(nc, 10*time.Second)
	if err != nil {
		nc.Close()
		if req != nil && req.Head != nil {
			if m := caseParam.FindStringSubmatch(req.Head.StartLine); m != nil {
				n, _ := strconv.Atoi(m[1])
				if n >= 1 && n <= len(s.cases) {
					s.record(n, cases.FailedResult(s.cases[n-1], "the client's opening handshake: "+err.Error()))
				}
			}
		}
		return
	}
	switch req.Path {
	case "/getCaseCount":
		c, _, err := req.Accept(nil, 0)
		if err != nil {
			return
		}
		c.SendMessage(false, []byte(strconv.Itoa(len(s.cases))), 0, false)
		c.SendClose(1000, nil)
		c.WaitDone(time.Now().Add(5 * time.Second))
	case "/updateReports":
		c, _, err := req.Accept(nil, 0)
		if err != nil {
			return
		}
		c.SendClose(1000, nil)
		c.WaitDone(time.Now().Add(5 * time.Second))
		s.mu.Lock()
		s.updated = true
		close(s.changed)
		s.changed = make(chan struct{})
		s.mu.Unlock()
	case "/runCase":
		n, err := strconv.Atoi(req.Query.Get("case"))
		if err != nil || n < 1 || n > len(s.cases) {
			fmt.Fprintf(nc, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			nc.Close()
			return
		}
		s.record(n, s.runCase(req, s.cases[n-1]))
	default:
		fmt.Fprintf(nc, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		nc.Close()
	}
}

func (s *FuzzServer) runCase(req *driver.Request, cs *cases.Case) cases.Result {
	var resp *pmd.Response
	idx := 0
	declined := ""
	if cs.Deflate != nil {
		if len(req.Offers) == 0 {
			declined = "the client offered no permessage-deflate"
		} else if r, i, ok := cs.Deflate.Accept(req.Offers); ok {
			resp, idx = &r, i
		} else {
			declined = fmt.Sprintf("no client offer allows the case's parameters (%s); offers: %v", cs.Deflate.Desc, req.Offers)
		}
	}
	c, _, err := req.Accept(resp, idx)
	if err != nil {
		return cases.FailedResult(cs, "writing the 101 response: "+err.Error())
	}
	if declined != "" {
		c.SendClose(1000, nil)
		c.WaitDone(time.Now().Add(3 * time.Second))
		return cases.UnimplementedResult(cs, declined)
	}
	return cases.Execute(c, cs, s.profile)
}
