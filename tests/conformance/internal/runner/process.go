package runner

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"time"
)

// Process is a surface's program, run by sh in its own process group, its
// output kept in a log file.
type Process struct {
	cmd    *exec.Cmd
	log    *os.File
	exited chan struct{}
	err    error
	addr   chan string
}

// addrRE finds the address a server prints when it listens: "ws://127.0.0.1:9001/",
// "listening on 127.0.0.1:9001", "ws://[::1]:9001".
var addrRE = regexp.MustCompile(`(?:ws://)?((?:\d{1,3}\.){3}\d{1,3}|localhost|\[[0-9a-fA-F:]+\]):(\d{2,5})\b`)

// Start runs command with sh -c, logging to logPath.
func Start(command, logPath string, env []string) (*Process, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(lf, "$ %s\n", command)
	cmd := exec.Command("/bin/sh", "-c", command)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	p := &Process{cmd: cmd, log: lf, exited: make(chan struct{}), addr: make(chan string, 1)}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	var once sync.Once
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(lf, line)
			if m := addrRE.FindStringSubmatch(line); m != nil {
				once.Do(func() { p.addr <- m[1] + ":" + m[2] })
			}
		}
		io.Copy(lf, pr)
	}()
	go func() {
		p.err = cmd.Wait()
		pw.Close()
		close(p.exited)
	}()
	return p, nil
}

// Addr waits for the listening address the program prints.
func (p *Process) Addr(timeout time.Duration) (string, error) {
	select {
	case a := <-p.addr:
		return a, nil
	case <-p.exited:
		return "", fmt.Errorf("exited before printing its address: %v", p.err)
	case <-time.After(timeout):
		return "", fmt.Errorf("printed no listening address within %v", timeout)
	}
}

// Exited reports whether the program has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// Wait waits up to timeout for the program to end by itself.
func (p *Process) Wait(timeout time.Duration) bool {
	select {
	case <-p.exited:
		return true
	case <-time.After(timeout):
		return false
	}
}

// ExitError is the program's exit error, once exited.
func (p *Process) ExitError() error { return p.err }

// Stop ends the program's process group: SIGTERM, then SIGKILL after 3 s.
func (p *Process) Stop() {
	if !p.Exited() {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		if !p.Wait(3 * time.Second) {
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			p.Wait(3 * time.Second)
		}
	}
	// Children that outlived sh (a forking server) go with the group.
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	p.log.Close()
}
