// Command conformance runs the Autobahn|Testsuite catalogue, re-implemented
// as a raw-socket driver, against libws's surfaces: as a client against
// their echo servers, and as a fuzzing server against their echo clients.
//
//	conformance -root ../.. [-full] [-surface c] [-mode servers] [-cases 6.4,7.1.*] [-v]
//
// The exit status is 1 when a case FAILED (2 for usage errors).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/libws/libws/tests/conformance/internal/cases"
	"github.com/libws/libws/tests/conformance/internal/runner"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, strings.Split(v, ",")...); return nil }

func main() {
	var (
		root      = flag.String("root", "../..", "the libws checkout")
		dir       = flag.String("dir", "", "the conformance directory (default ROOT/tests/conformance)")
		surfFile  = flag.String("surfaces", "", "surfaces file (default DIR/surfaces.txt)")
		full      = flag.Bool("full", false, "every case, Autobahn's sizes and timings (default: the short profile)")
		mode      = flag.String("mode", "both", "servers (test our servers), clients (test our clients) or both")
		mdOut     = flag.String("md", "", "write the summary as Markdown to this file")
		jsonOut   = flag.String("json", "", "write every result as JSON to this file")
		verbose   = flag.Bool("v", false, "print every case as it finishes")
		list      = flag.Bool("list", false, "list the selected cases and exit")
		waitScale = flag.Float64("wait-scale", 0, "scale of the fail-fast and slow-fragment waits (default 1 full, 0.25 short)")
		count     = flag.Int("count", 0, "messages per 12.x/13.x case (default: the profile's)")
		surfaces  multi
		pats      multi
		excl      multi
	)
	flag.Var(&surfaces, "surface", "run only this surface (repeatable, comma-separated)")
	flag.Var(&pats, "cases", "case patterns: 6.4.1, 6.4, 7.7.*, 12 (repeatable, comma-separated)")
	flag.Var(&excl, "exclude", "case patterns to leave out")
	flag.Parse()

	absRoot, _ := filepath.Abs(*root)
	if *dir == "" {
		*dir = filepath.Join(absRoot, "tests", "conformance")
	}
	if *surfFile == "" {
		*surfFile = filepath.Join(*dir, "surfaces.txt")
	}
	build := filepath.Join(*dir, "build")

	prof := &cases.Profile{Full: *full, WaitScale: 0.25, CompressCount: func(int) int { return 50 }}
	if *full {
		prof.WaitScale = 1
		// Autobahn sends 1000 messages of every size; we send 1000 up to
		// 8 KiB and then as many as make 8 MiB per case (64 of 128 KiB),
		// which keeps the full profile within minutes.
		prof.CompressCount = func(size int) int { return max(64, min(1000, (8<<20)/max(size, 1))) }
	}
	if *waitScale > 0 {
		prof.WaitScale = *waitScale
	}
	if *count > 0 {
		n := *count
		prof.CompressCount = func(int) int { return n }
	}

	selected := cases.Select(!*full, pats, excl)
	if *list {
		fmt.Print(cases.Describe(selected))
		return
	}
	if len(selected) == 0 {
		fmt.Fprintln(os.Stderr, "conformance: no case selected")
		os.Exit(2)
	}
	all, err := runner.ParseSurfaces(*surfFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(2)
	}
	want := map[string]bool{}
	for _, s := range surfaces {
		want[strings.TrimSpace(s)] = true
	}
	var run []runner.Surface
	for _, s := range all {
		if len(want) > 0 && !want[s.Name] || len(want) == 0 && s.Optional {
			continue
		}
		if *mode == runner.ModeServers && s.Role != runner.RoleServer || *mode == runner.ModeClients && s.Role == runner.RoleServer {
			continue
		}
		run = append(run, s)
	}
	for name := range want {
		found := false
		for _, s := range all {
			found = found || s.Name == name
		}
		if !found {
			fmt.Fprintf(os.Stderr, "conformance: no surface %q in %s\n", name, *surfFile)
			os.Exit(2)
		}
	}
	logDir := filepath.Join(build, "logs")
	os.MkdirAll(logDir, 0o755)
	cfg := &runner.Config{
		Vars:    map[string]string{"root": absRoot, "dir": *dir, "build": build},
		Env:     []string{"PYTHONPATH=" + filepath.Join(absRoot, "bindings", "python")},
		LogDir:  logDir,
		Cases:   selected,
		Profile: prof,
		Verbose: *verbose,
		Out:     os.Stdout,
	}
	profName := "short profile"
	if *full {
		profName = "full profile"
	}
	fmt.Printf("libws conformance, %s: %d cases per surface and mode; logs in %s\n", profName, len(selected), logDir)
	start := time.Now()
	var runs []runner.Run
	for _, s := range run {
		what := "server"
		if s.Role != runner.RoleServer {
			what = "client"
		}
		fmt.Printf("== %s %s\n", s.Name, what)
		r := cfg.RunSurface(s)
		var ok, bad int
		for _, res := range r.Results {
			if res.Verdict == cases.Failed {
				bad++
			} else if res.Verdict == cases.OK {
				ok++
			}
		}
		fmt.Printf("   %d OK, %d FAILED, %d other of %d in %s\n", ok, bad, len(r.Results)-ok-bad, len(r.Results), r.Duration.Round(100*time.Millisecond))
		runs = append(runs, r)
	}
	elapsed := time.Since(start)
	fmt.Print(runner.Text(runs))
	fmt.Printf("\ntotal time %s\n", elapsed.Round(100*time.Millisecond))
	if *mdOut != "" {
		args := "--full"
		if !*full {
			args = ""
		}
		note := "Short profile: a sample of every category, 50 messages per 12.x/13.x case, fail-fast waits of 0.25 s."
		if *full {
			note = "Full profile: all 533 cases; 12.x/13.x send 1000 messages per case up to 8 KiB and 8 MiB worth above " +
				"(Autobahn: 1000 of every size); fail-fast waits of 1 s as in Autobahn. 13.8/13.9 are ours (window bits 8..15)."
		}
		md := runner.Markdown(runs, "libws conformance summary ("+profName+")", args, note, elapsed)
		if err := os.WriteFile(*mdOut, []byte(md), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "conformance:", err)
		}
	}
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(runs, "", "  ")
		os.WriteFile(*jsonOut, b, 0o644)
	}
	if runner.Failed(runs) {
		os.Exit(1)
	}
}
