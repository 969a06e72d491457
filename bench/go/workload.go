package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

const feedChunk = 64 << 10

// workload is one of W1-W4, W5a-d, W6c, W6d, W7c, W7d as WORKLOADS.md
// defines them.
type workload struct {
	id       string
	server   bool // W1-W4, W6d, W7d: feed frames; else send payloads
	text     bool
	deflate  bool // W6c, W6d, W7c, W7d
	takeover bool // W7c, W7d: permessage-deflate with context takeover (15/15)
	count    int
	size     int // the payload size (W7: the largest message)
	checksum uint32
	frames   []byte   // server side: the whole .frames file
	slices   [][]byte // frames cut in 64 KiB slices
	payloads [][]byte // client side (and for checks): the messages
}

type manifestEntry struct {
	Opcode      int    `json:"opcode"`
	PayloadSize int    `json:"payload_size"`
	Count       int    `json:"count"`
	Checksum    uint32 `json:"checksum"`
	Payloads    string `json:"payloads"`
	Lengths     string `json:"lengths"` // W7: one little-endian uint32 per message
	Frames      string `json:"frames"`
}

func loadWorkloads(dir string) (map[string]*workload, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	man := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &man); err != nil {
		return nil, err
	}
	entry := func(k string) (*manifestEntry, error) {
		var e manifestEntry
		if err := json.Unmarshal(man[k], &e); err != nil {
			return nil, fmt.Errorf("manifest %s: %v", k, err)
		}
		return &e, nil
	}
	read := func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) }
	out := map[string]*workload{}
	add := func(id, src string, server, deflate bool) error {
		e, err := entry(src)
		if err != nil {
			return err
		}
		w := &workload{id: id, server: server, deflate: deflate, text: e.Opcode == 1,
			count: e.Count, size: e.PayloadSize, checksum: e.Checksum, takeover: src == "w7"}
		p, err := read(e.Payloads)
		if err != nil {
			return err
		}
		if e.Lengths != "" {
			lens, err := read(e.Lengths)
			if err != nil {
				return err
			}
			if len(lens) != 4*w.count {
				return fmt.Errorf("%s: %d bytes, want %d", e.Lengths, len(lens), 4*w.count)
			}
			o := 0
			for i := 0; i < w.count; i++ {
				n := int(binary.LittleEndian.Uint32(lens[4*i:]))
				if o+n > len(p) {
					return fmt.Errorf("%s: shorter than %s says", e.Payloads, e.Lengths)
				}
				w.payloads = append(w.payloads, p[o:o+n:o+n])
				w.size = max(w.size, n)
				o += n
			}
			if o != len(p) {
				return fmt.Errorf("%s: %d bytes, %s says %d", e.Payloads, len(p), e.Lengths, o)
			}
		} else {
			if len(p) != w.count*w.size {
				return fmt.Errorf("%s: %d payload bytes, want %d", e.Payloads, len(p), w.count*w.size)
			}
			for i := 0; i < w.count; i++ {
				w.payloads = append(w.payloads, p[i*w.size:(i+1)*w.size:(i+1)*w.size])
			}
		}
		if server {
			if w.frames, err = read(e.Frames); err != nil {
				return err
			}
			for o := 0; o < len(w.frames); o += feedChunk {
				w.slices = append(w.slices, w.frames[o:min(o+feedChunk, len(w.frames))])
			}
		}
		out[id] = w
		return nil
	}
	for _, x := range []struct {
		id, src         string
		server, deflate bool
	}{
		{"w1", "w1", true, false}, {"w2", "w2", true, false}, {"w3", "w3", true, false}, {"w4", "w4", true, false},
		{"w5a", "w1", false, false}, {"w5b", "w2", false, false}, {"w5c", "w3", false, false}, {"w5d", "w4", false, false},
		{"w6c", "w6", false, true}, {"w6d", "w6", true, true},
		{"w7c", "w7", false, true}, {"w7d", "w7", true, true},
	} {
		if err := add(x.id, x.src, x.server, x.deflate); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func sum2(p []byte) uint32 { return uint32(p[0]) + uint32(p[len(p)-1]) }
