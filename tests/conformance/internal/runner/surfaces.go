// Package runner starts the surfaces (our echo servers and echo clients),
// runs the catalogue against them in both modes and reports.
package runner

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// Roles of a surface line.
const (
	RoleServer     = "server"      // an echo server: the driver connects to it
	RoleClient     = "client"      // an echo client speaking Autobahn's fuzzingclient protocol
	RoleClientEach = "client-each" // an echo client started once per case with the case URL
)

// Surface is one line of the surfaces file.
type Surface struct {
	Name     string
	Role     string
	Command  string
	Optional bool // only run when named with -surface
}

// ParseSurfaces reads a surfaces file: one surface per line,
//
//	name  role  command...
//
// with # comments; a name starting with ? is optional.
func ParseSurfaces(file string) ([]Surface, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Surface
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 3 {
			return nil, fmt.Errorf("%s:%d: want: name role command", file, n)
		}
		s := Surface{Name: fields[0], Role: fields[1]}
		if strings.HasPrefix(s.Name, "?") {
			s.Name, s.Optional = s.Name[1:], true
		}
		switch s.Role {
		case RoleServer, RoleClient, RoleClientEach:
		default:
			return nil, fmt.Errorf("%s:%d: unknown role %q (server, client, client-each)", file, n, s.Role)
		}
		rest := strings.TrimSpace(line[strings.Index(line, fields[1])+len(fields[1]):])
		s.Command = rest
		out = append(out, s)
	}
	return out, sc.Err()
}

// Expand replaces {name} placeholders.
func Expand(cmd string, vars map[string]string) string {
	for k, v := range vars {
		cmd = strings.ReplaceAll(cmd, "{"+k+"}", v)
	}
	return cmd
}
