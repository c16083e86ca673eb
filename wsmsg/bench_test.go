package wsmsg

import (
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// BenchmarkTap measures the tap on a one-way stream of small messages,
// plain and compressed (context takeover): the cost a relay pays per
// message with capture on.
func BenchmarkTap(b *testing.B) {
	msg := []byte(`{"type":"tick","symbol":"ACME","price":101.25,"volume":1200}`)
	plain := frameBytes(true, 0, session.OpText, testKey, msg)
	var deflated []byte
	for _, p := range compressed(b, true, msg, msg, msg, msg) {
		deflated = append(deflated, frameBytes(true, 4, session.OpText, testKey, p)...)
	}
	ext := Extensions{Deflate: &Deflate{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}}
	for _, bc := range []struct {
		name string
		in   []byte
		n    int // messages per input
		ext  Extensions
	}{{"plain", plain, 1, Extensions{}}, {"deflate", deflated, 4, ext}} {
		b.Run(bc.name, func(b *testing.B) {
			n := 0
			tp := NewTap(Config{Dir: session.Up, Extensions: bc.ext, Emit: func(session.Message) { n++ }})
			b.SetBytes(int64(len(bc.in)))
			for b.Loop() {
				tp.Write(bc.in)
			}
			tp.Close()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(max(n, 1)), "ns/msg")
		})
	}
}
