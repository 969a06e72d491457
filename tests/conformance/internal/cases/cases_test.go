package cases

import (
	"testing"
	"unicode/utf8"
)

// Autobahn's validity flags agree with Go's UTF-8 decoder (a typo in the
// table would show here).
func TestUTF8Table(t *testing.T) {
	n := 0
	for _, g := range utf8Groups() {
		for _, s := range g.seqs {
			n++
			if utf8.ValidString(s.data) != s.valid {
				t.Errorf("%s: %x marked valid=%v", g.name, s.data, s.valid)
			}
		}
	}
	if n != 132 {
		t.Errorf("%d UTF-8 sequences, Autobahn has 132 (6.5.1 ... 6.23.7)", n)
	}
}

func TestCatalogue(t *testing.T) {
	counts := map[string]int{}
	for _, c := range All() {
		counts[c.Category()]++
	}
	want := map[string]int{"1": 16, "2": 11, "3": 7, "4": 10, "5": 20, "6": 145, "7": 37, "9": 54, "10": 1, "12": 90, "13": 142}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("category %s: %d cases, want %d", k, counts[k], v)
		}
	}
	for _, c := range Corpora() {
		if !c.Binary {
			if !utf8.Valid(c.Data) {
				t.Errorf("%s: text corpus is not UTF-8", c.Key)
			}
			for _, b := range c.Data {
				if b >= 0x80 {
					t.Fatalf("%s: text corpus must be ASCII (messages cut it anywhere)", c.Key)
				}
			}
		}
	}
}
