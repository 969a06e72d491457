package cases

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
)

// Corpus is one of the 12.x test data sets. Autobahn ships real files
// (Goethe's Faust, the Lena picture, a PDF, a JSON and an HTML file); we
// cannot download them, so each is a deterministic synthetic stand-in of
// the same kind and size, generated here.
type Corpus struct {
	Key, Desc string
	Binary    bool
	Data      []byte
}

var (
	corporaOnce sync.Once
	corpora     []*Corpus
)

// Corpora returns the 12.1 ... 12.5 data sets, in Autobahn's order.
func Corpora() []*Corpus {
	corporaOnce.Do(func() {
		corpora = []*Corpus{
			{Key: "json_data1", Desc: "Large JSON data file", Binary: false, Data: genJSON(194237)},
			{Key: "lena512", Desc: "Lena Picture, Bitmap 512x512 bw", Binary: true, Data: genBitmap()},
			{Key: "gutenberg_faust", Desc: "Human readable text, Goethe's Faust I (German)", Binary: true, Data: genGerman(222218)},
			{Key: "html_data1", Desc: "Large HTML file", Binary: false, Data: genHTML(167179)},
			{Key: "ooms", Desc: "A larger PDF", Binary: true, Data: genPDF(1042328)},
		}
	})
	return corpora
}

var lorem = strings.Fields(`lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor
incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco
laboris nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse
cillum fugiat nulla pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui officia
deserunt mollit anim id est laborum`)

func words(r *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = lorem[r.IntN(len(lorem))]
	}
	return strings.Join(w, " ")
}

func fit(b *bytes.Buffer, n int) []byte {
	out := b.Bytes()
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func genJSON(n int) []byte {
	r := rand.New(rand.NewPCG(1, 12))
	first := []string{"Alice", "Bruno", "Chen", "Dalia", "Emil", "Farah", "Goran", "Hana", "Ivo", "Jana"}
	last := []string{"Meyer", "Okafor", "Tanaka", "Silva", "Novak", "Haddad", "Larsen", "Rossi"}
	colors := []string{"blue", "brown", "green"}
	var b bytes.Buffer
	b.WriteString("[\n")
	for id := 0; b.Len() < n; id++ {
		if id > 0 {
			b.WriteString(",\n")
		}
		name := first[r.IntN(len(first))] + " " + last[r.IntN(len(last))]
		fmt.Fprintf(&b, `  {"_id": "%016x%08x", "index": %d, "guid": "%08x-%04x-%04x-%04x-%012x", "isActive": %v, "balance": "$%d,%03d.%02d", `,
			r.Uint64(), r.Uint32(), id, r.Uint32(), r.IntN(65536), r.IntN(65536), r.IntN(65536), r.Uint64()&(1<<48-1), r.IntN(2) == 0, r.IntN(4), r.IntN(1000), r.IntN(100))
		fmt.Fprintf(&b, `"picture": "http://placehold.it/32x32", "age": %d, "eyeColor": "%s", "name": "%s", "email": "%s@example.com", `,
			20+r.IntN(50), colors[r.IntN(3)], name, strings.ToLower(strings.ReplaceAll(name, " ", ".")))
		fmt.Fprintf(&b, `"phone": "+1 (%03d) %03d-%04d", "about": "%s.", "registered": "20%02d-%02d-%02dT%02d:%02d:%02d -01:00", `,
			800+r.IntN(200), r.IntN(1000), r.IntN(10000), words(r, 12+r.IntN(20)), r.IntN(25), 1+r.IntN(12), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60))
		fmt.Fprintf(&b, `"latitude": %.6f, "longitude": %.6f, "tags": ["%s", "%s", "%s"], "friends": [{"id": 0, "name": "%s"}, {"id": 1, "name": "%s"}]}`,
			r.Float64()*180-90, r.Float64()*360-180, lorem[r.IntN(len(lorem))], lorem[r.IntN(len(lorem))], lorem[r.IntN(len(lorem))],
			first[r.IntN(len(first))]+" "+last[r.IntN(len(last))], first[r.IntN(len(first))]+" "+last[r.IntN(len(last))])
	}
	b.WriteString("\n]\n")
	return fit(&b, n)
}

func genHTML(n int) []byte {
	r := rand.New(rand.NewPCG(4, 12))
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Test page</title>\n<link rel=\"stylesheet\" href=\"/static/site.css\">\n</head>\n<body>\n")
	for sec := 0; b.Len() < n; sec++ {
		fmt.Fprintf(&b, "<div class=\"section\" id=\"s%d\">\n  <h2>%s</h2>\n", sec, words(r, 3+r.IntN(5)))
		for p := 0; p < 2+r.IntN(4); p++ {
			fmt.Fprintf(&b, "  <p class=\"text\">%s <a href=\"/articles/%d/%s.html\">%s</a> %s.</p>\n",
				words(r, 10+r.IntN(30)), r.IntN(10000), lorem[r.IntN(len(lorem))], words(r, 2), words(r, 5+r.IntN(15)))
		}
		b.WriteString("  <table class=\"data\">\n")
		for row := 0; row < 1+r.IntN(6); row++ {
			fmt.Fprintf(&b, "    <tr><td>%d</td><td>%s</td><td class=\"num\">%.2f</td></tr>\n", row, words(r, 2), r.Float64()*1000)
		}
		b.WriteString("  </table>\n</div>\n")
	}
	b.WriteString("</body>\n</html>\n")
	return fit(&b, n)
}

func genGerman(n int) []byte {
	r := rand.New(rand.NewPCG(3, 12))
	w := strings.Fields(`Habe nun ach Philosophie Juristerei und Medizin und leider auch Theologie durchaus studiert
mit heißem Bemühn da steh ich nun ich armer Tor und bin so klug als wie zuvor heiße Magister
heiße Doktor gar und ziehe schon an die zehen Jahr herauf herab und quer und krumm meine Schüler
an der Nase herum und sehe daß wir nichts wissen können das will mir schier das Herz verbrennen
Geist der stets verneint Gretchen Mephistopheles Wagner Himmel Erde Grüße Tür Zauber Nacht Stube`)
	speakers := []string{"FAUST", "MEPHISTOPHELES", "WAGNER", "MARGARETE", "MARTHE", "CHOR"}
	var b bytes.Buffer
	b.WriteString("Faust: Der Tragödie erster Teil\n\n")
	for b.Len() < n {
		fmt.Fprintf(&b, "%s:\n", speakers[r.IntN(len(speakers))])
		for l := 0; l < 2+r.IntN(8); l++ {
			k := 4 + r.IntN(6)
			line := make([]string, k)
			for i := range line {
				line[i] = w[r.IntN(len(w))]
			}
			b.WriteString(strings.Join(line, " ") + ",\n")
		}
		b.WriteString("\n")
	}
	return fit(&b, n)
}

func genBitmap() []byte {
	const w, h = 512, 512
	var b bytes.Buffer
	le := func(v uint32, n int) {
		for i := range n {
			b.WriteByte(byte(v >> (8 * i)))
		}
	}
	// BITMAPFILEHEADER + BITMAPINFOHEADER, 8 bits per pixel, 256-entry gray palette.
	b.WriteString("BM")
	le(1078+w*h, 4)
	le(0, 4)
	le(1078, 4)
	le(40, 4)
	le(w, 4)
	le(h, 4)
	le(1, 2)
	le(8, 2)
	le(0, 4)
	le(w*h, 4)
	le(2835, 4)
	le(2835, 4)
	le(256, 4)
	le(256, 4)
	for i := range 256 {
		b.Write([]byte{byte(i), byte(i), byte(i), 0})
	}
	r := rand.New(rand.NewPCG(2, 12))
	for y := range h {
		for x := range w {
			// A smooth picture with edges and some sensor noise.
			v := (x*x+y*3)/600 + (x^y)&31 + r.IntN(6)
			if (x-256)*(x-256)+(y-200)*(y-200) < 9000 {
				v += 60
			}
			b.WriteByte(byte(v))
		}
	}
	return b.Bytes()
}

func genPDF(n int) []byte {
	r := rand.New(rand.NewPCG(5, 12))
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	for obj := 1; b.Len() < n; obj++ {
		if obj%3 == 0 {
			// A compressed stream: incompressible bytes.
			k := 2000 + r.IntN(30000)
			fmt.Fprintf(&b, "%d 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n", obj, k)
			for range k {
				b.WriteByte(byte(r.Uint32()))
			}
			b.WriteString("\nendstream\nendobj\n")
			continue
		}
		fmt.Fprintf(&b, "%d 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R /Resources << /Font << /F1 5 0 R >> >> >>\nendobj\n", obj, obj+1)
		fmt.Fprintf(&b, "%% %s\n", words(r, 20))
	}
	return fit(&b, n)
}
