package wsmsg

import (
	"bytes"
	"context"
	"io"
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

// BenchmarkRelay measures a Relay on a one-way stream of small messages:
// copying bytes (no message to decide: the fast path) and frame by frame
// with every message decided (forwarded unchanged).
func BenchmarkRelay(b *testing.B) {
	msg := frameBytes(true, 0, session.OpText, testKey, []byte(`{"type":"tick","symbol":"ACME","price":101.25,"volume":1200}`))
	const perRun = 4096
	stream := bytes.Repeat(msg, perRun)
	// The loop relays ran before Relay: tap each chunk, then write it.
	b.Run("tapcopy", func(b *testing.B) {
		b.SetBytes(int64(len(stream)))
		buf := make([]byte, 32<<10)
		for b.Loop() {
			tap := NewTap(Config{Dir: session.Up, Emit: func(session.Message) {}})
			src := bytes.NewReader(stream)
			for {
				k, err := src.Read(buf)
				tap.Write(buf[:k])
				io.Discard.Write(buf[:k])
				if err != nil {
					break
				}
			}
			tap.Close()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perRun), "ns/msg")
	})
	for _, bc := range []struct {
		name string
		cfg  RelayConfig
	}{
		{"fast", RelayConfig{}},
		{"framed", RelayConfig{Wants: func() bool { return true }, Decide: func(context.Context, *session.Message) Decision { return Decision{} }}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(stream)))
			for b.Loop() {
				tap := NewTap(Config{Dir: session.Up})
				NewRelay(tap, bytes.NewReader(stream), io.Discard, bc.cfg).Run(context.Background())
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perRun), "ns/msg")
		})
	}
}
