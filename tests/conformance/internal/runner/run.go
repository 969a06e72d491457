package runner

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/libws/libws/tests/conformance/internal/cases"
	"github.com/libws/libws/tests/conformance/internal/driver"
	"github.com/libws/libws/tests/conformance/internal/pmd"
)

// Modes.
const (
	ModeServers = "servers" // the driver as client, against our echo servers
	ModeClients = "clients" // the driver as fuzzing server, against our echo clients
)

// Config is one invocation.
type Config struct {
	Vars    map[string]string // placeholders for surface commands: root, dir, build
	Env     []string
	LogDir  string
	Cases   []*cases.Case
	Profile *cases.Profile
	Verbose bool
	Out     io.Writer
}

// Run is the outcome of one surface in one mode.
type Run struct {
	Mode     string
	Surface  string
	Results  []cases.Result
	Note     string // e.g. the server crashed
	Duration time.Duration
}

func line(r cases.Result) string {
	s := fmt.Sprintf("  %-8s %-13s %6dms", r.ID, r.Verdict, r.Duration.Milliseconds())
	if r.Reason != "" {
		s += "  " + oneLine(r.Reason, 300)
	}
	if r.Info != "" {
		s += "  [" + r.Info + "]"
	}
	return s
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

func (cfg *Config) logf(format string, a ...any) {
	fmt.Fprintf(cfg.Out, format, a...)
}

// RunSurface runs the selected cases against s.
func (cfg *Config) RunSurface(s Surface) Run {
	start := time.Now()
	var r Run
	if s.Role == RoleServer {
		r = cfg.runServer(s)
	} else {
		r = cfg.runClient(s)
	}
	r.Duration = time.Since(start)
	return r
}

func (cfg *Config) runServer(s Surface) Run {
	run := Run{Mode: ModeServers, Surface: s.Name}
	logPath := filepath.Join(cfg.LogDir, s.Name+"-server.log")
	p, err := Start(Expand(s.Command, cfg.Vars), logPath, cfg.Env)
	if err != nil {
		return cfg.allFailed(run, "cannot start the server: "+err.Error())
	}
	defer p.Stop()
	addr, err := p.Addr(20 * time.Second)
	if err != nil {
		return cfg.allFailed(run, fmt.Sprintf("the server %s (log: %s)", err, logPath))
	}
	for _, cs := range cfg.Cases {
		if p.Exited() && run.Note == "" {
			run.Note = fmt.Sprintf("the server exited (%v) before case %s; see %s", p.ExitError(), cs.ID, logPath)
		}
		res := runOne(addr, cs, cfg.Profile)
		if cfg.Verbose {
			cfg.logf("%s\n", line(res))
		}
		run.Results = append(run.Results, res)
	}
	return run
}

func runOne(addr string, cs *cases.Case, p *cases.Profile) cases.Result {
	var offers []pmd.Offer
	if cs.Deflate != nil {
		offers = cs.Deflate.Offers
	}
	c, hs, err := driver.Dial(addr, "/", offers, 5*time.Second)
	if err != nil {
		return cases.FailedResult(cs, err.Error())
	}
	if cs.Deflate != nil && hs.Agreed == nil {
		c.SendClose(1000, nil)
		c.WaitDone(time.Now().Add(3 * time.Second))
		return cases.UnimplementedResult(cs, "the server declined the permessage-deflate offer(s): "+strings.TrimSpace(extLine(hs.Request)))
	}
	return cases.Execute(c, cs, p)
}

func extLine(req string) string {
	for _, l := range strings.Split(req, "\r\n") {
		if strings.HasPrefix(l, "Sec-WebSocket-Extensions:") {
			return l
		}
	}
	return ""
}

func (cfg *Config) allFailed(run Run, why string) Run {
	run.Note = why
	for _, cs := range cfg.Cases {
		run.Results = append(run.Results, cases.FailedResult(cs, why))
	}
	return run
}

func (cfg *Config) runClient(s Surface) Run {
	run := Run{Mode: ModeClients, Surface: s.Name}
	var logf func(string)
	if cfg.Verbose {
		logf = func(l string) { cfg.logf("%s\n", l) }
	}
	fs, err := NewFuzzServer(cfg.Cases, cfg.Profile, logf)
	if err != nil {
		return cfg.allFailed(run, "fuzzing server: "+err.Error())
	}
	defer fs.Close()
	logPath := filepath.Join(cfg.LogDir, s.Name+"-client.log")
	vars := map[string]string{"agent": s.Name}
	for k, v := range cfg.Vars {
		vars[k] = v
	}
	var maxLimit time.Duration
	for _, cs := range cfg.Cases {
		maxLimit = max(maxLimit, limitOf(cs))
	}

	if s.Role == RoleClientEach {
		lf, _ := os.Create(logPath)
		lf.Close()
		for i, cs := range cfg.Cases {
			vars["url"] = fmt.Sprintf("%s/runCase?case=%d&agent=%s", fs.URL(), i+1, s.Name)
			p, err := Start(Expand(s.Command, vars), fmt.Sprintf("%s.%d", logPath, i+1), cfg.Env)
			if err != nil {
				return cfg.allFailed(run, "cannot start the client: "+err.Error())
			}
			fs.Wait(i+1, limitOf(cs)+10*time.Second)
			p.Wait(5 * time.Second)
			p.Stop()
			os.Remove(fmt.Sprintf("%s.%d", logPath, i+1))
		}
	} else {
		vars["url"] = fs.URL()
		p, err := Start(Expand(s.Command, vars), logPath, cfg.Env)
		if err != nil {
			return cfg.allFailed(run, "cannot start the client: "+err.Error())
		}
		// Wait for the client to finish, killing it if it makes no
		// progress for longer than any case may take.
		last := len(fs.Results())
		idle := time.Now()
		for !p.Wait(200 * time.Millisecond) {
			if n := len(fs.Results()); n != last {
				last, idle = n, time.Now()
			}
			if time.Since(idle) > maxLimit+30*time.Second {
				run.Note = fmt.Sprintf("the client made no progress for %v after %d cases and was stopped; see %s", time.Since(idle).Round(time.Second), last, logPath)
				break
			}
		}
		if p.Exited() && p.ExitError() != nil && run.Note == "" {
			run.Note = fmt.Sprintf("the client exited with %v; see %s", p.ExitError(), logPath)
		}
		p.Stop()
	}
	res := fs.Results()
	for i, cs := range cfg.Cases {
		r, ok := res[i+1]
		if !ok {
			why := "the client did not run this case"
			if run.Note != "" {
				why += " (" + run.Note + ")"
			}
			r = cases.FailedResult(cs, why)
		}
		run.Results = append(run.Results, r)
	}
	return run
}

func limitOf(cs *cases.Case) time.Duration {
	if cs.Limit > 0 {
		return cs.Limit
	}
	return 30 * time.Second
}
