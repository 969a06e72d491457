package cases

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"sync"
)

// Categories names Autobahn's case categories.
var Categories = []struct{ ID, Name string }{
	{"1", "Framing"}, {"2", "Pings/Pongs"}, {"3", "Reserved Bits"}, {"4", "Opcodes"}, {"5", "Fragmentation"},
	{"6", "UTF-8 Handling"}, {"7", "Close Handling"}, {"9", "Limits/Performance"}, {"10", "Misc"},
	{"12", "WebSocket Compression (different payloads)"}, {"13", "WebSocket Compression (different parameters)"},
}

var (
	allOnce sync.Once
	all     []*Case
)

// All returns the catalogue in Autobahn's order.
func All() []*Case {
	allOnce.Do(func() {
		for _, f := range []func() []*Case{framing, pings, reservedBits, opcodes, fragmentation, utf8Handling,
			closeHandling, limitsPerformance, misc, compression, compressionParams} {
			all = append(all, f()...)
		}
		seen := map[string]bool{}
		for _, c := range all {
			if seen[c.ID] {
				panic("duplicate case " + c.ID)
			}
			seen[c.ID] = true
		}
	})
	return all
}

// Select returns the cases of a profile (short: the Short ones) whose IDs
// match one of patterns ("6.4.*", "7", "9.1.1"; none: all), minus those
// matching one of exclude.
func Select(short bool, patterns, exclude []string) []*Case {
	var out []*Case
	for _, c := range All() {
		if short && !c.Short {
			continue
		}
		if len(patterns) > 0 && !matchAny(c.ID, patterns) {
			continue
		}
		if matchAny(c.ID, exclude) {
			continue
		}
		out = append(out, c)
	}
	return out
}

func matchAny(id string, patterns []string) bool {
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if ok, _ := path.Match(p, id); ok || id == p || strings.HasPrefix(id, p+".") {
			return true
		}
	}
	return false
}

// Less orders case IDs numerically (6.10.1 after 6.9.1).
func Less(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if x != y {
			return x < y
		}
	}
	return len(pa) < len(pb)
}

// Describe lists the catalogue (for -list).
func Describe(cs []*Case) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "%-8s %s\n", c.ID, c.Desc)
	}
	return b.String()
}
