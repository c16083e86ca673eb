package session

import (
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"
)

// appendMeta appends the JSON of f's metadata record (flowRecord) to b:
// byte for byte what encoding/json writes for it (TestAppendMetaIsJSON),
// without its reflection. The writer encodes every flow it commits, and
// encoding/json was a fifth of the writer's time.
func appendMeta(b []byte, f *Flow) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, f.ID)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, f.Seq, 10)
	b = append(b, `,"state":`...)
	b = appendJSONString(b, f.State.String())
	b = append(b, `,"source":`...)
	b = appendJSONString(b, f.Source.String())
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, f.Kind.String())
	b = appendPeer(b, `,"client":`, f.Client)
	b = appendPeer(b, `,"server":`, f.Server)
	b = appendRequest(b, `,"request":`, f.Request)
	if p := f.Response; p != nil {
		b = append(b, `,"response":{"status":`...)
		b = strconv.AppendInt(b, int64(p.Status), 10)
		b = appendOmitString(b, `,"reason":`, p.Reason)
		b = appendOmitString(b, `,"proto":`, p.Proto)
		b = appendMessageTail(b, p.Header, p.Body, p.Trailer)
	}
	b = appendRequest(b, `,"original":`, f.Original)
	if e := f.Err; e != nil {
		b = append(b, `,"error":{"phase":`...)
		b = appendJSONString(b, e.Phase)
		b = append(b, `,"msg":`...)
		b = appendJSONString(b, e.Msg)
		b = appendOmitString(b, `,"hint":`, e.Hint)
		b = append(b, '}')
	}
	b = appendTimingsJSON(b, &f.Timings)
	if f.Marked {
		b = append(b, `,"marked":true`...)
	}
	b = appendOmitString(b, `,"comment":`, f.Comment)
	if s := f.Stream; s != nil {
		b = append(b, `,"stream":{"bytes_up":`...)
		b = strconv.AppendInt(b, s.BytesUp, 10)
		b = append(b, `,"bytes_down":`...)
		b = strconv.AppendInt(b, s.BytesDown, 10)
		b = appendOmitInt(b, `,"frames_up":`, s.FramesUp)
		b = appendOmitInt(b, `,"frames_down":`, s.FramesDown)
		b = appendOmitInt(b, `,"pings_up":`, s.PingsUp)
		b = appendOmitInt(b, `,"pings_down":`, s.PingsDown)
		b = appendOmitInt(b, `,"pongs_up":`, s.PongsUp)
		b = appendOmitInt(b, `,"pongs_down":`, s.PongsDown)
		b = appendOmitInt(b, `,"closed":`, unixNano(s.Closed))
		b = append(b, '}')
	}
	b = appendOmitString(b, `,"listener":`, f.Listener)
	return append(b, '}')
}

// appendPeer writes a peerRecord under key, left out when it is zero
// (omitzero), its empty fields too (omitempty).
func appendPeer(b []byte, key string, p Peer) []byte {
	if p == (Peer{}) {
		return b
	}
	b = append(b, key...)
	n := len(b)
	b = appendOmitString(b, `,"addr":`, p.Addr)
	b = appendOmitString(b, `,"sni":`, p.SNI)
	b = appendOmitString(b, `,"tls_version":`, p.TLSVersion)
	b = appendOmitString(b, `,"alpn":`, p.ALPN)
	b = append(b, '}')
	b[n] = '{' // the first field's comma opens the object
	return b
}

// appendRequest writes a requestRecord under key, left out for nil.
func appendRequest(b []byte, key string, q *Request) []byte {
	if q == nil {
		return b
	}
	b = append(b, key...)
	b = append(b, `{"method":`...)
	b = appendJSONString(b, q.Method)
	b = append(b, `,"url":`...)
	b = appendJSONString(b, q.URL)
	b = appendOmitString(b, `,"proto":`, q.Proto)
	return appendMessageTail(b, q.Header, q.Body, q.Trailer)
}

// appendMessageTail writes a message record's header, body and trailer
// fields and closes it.
func appendMessageTail(b []byte, h http.Header, body Body, tr http.Header) []byte {
	b = append(b, `,"header":`...)
	b = appendHeaderJSON(b, h)
	if body.Size != 0 || body.Truncated {
		b = append(b, `,"body":{`...)
		n := len(b)
		b = appendOmitInt(b, `,"size":`, body.Size)
		if body.Truncated {
			b = append(b, `,"truncated":true`...)
		}
		if len(b) > n {
			b = append(b[:n], b[n+1:]...) // the first field's comma
		}
		b = append(b, '}')
	}
	if len(tr) > 0 {
		b = append(b, `,"trailer":`...)
		b = appendHeaderJSON(b, tr)
	}
	return append(b, '}')
}

// appendHeaderJSON writes h as encoding/json writes a map of string
// slices: null when nil, keys sorted.
func appendHeaderJSON(b []byte, h http.Header) []byte {
	if h == nil {
		return append(b, "null"...)
	}
	// Sorted on the stack for the usual dozen or two: a slice the
	// size of h came from the heap, once or twice a flow.
	var arr [32]string
	keys := arr[:0]
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		vs := h[k]
		if vs == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, v := range vs {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendTimingsJSON writes the timings record, left out when all are 0.
func appendTimingsJSON(b []byte, t *Timings) []byte {
	if *t == (Timings{}) {
		return b
	}
	b = append(b, `,"timings":`...)
	n := len(b)
	for _, tf := range timingKeys {
		b = appendOmitInt(b, tf.key, int64(*tf.get(t)))
	}
	b = append(b, '}')
	b[n] = '{'
	return b
}

// timingKeys are the timings in flowRecord's order, with their keys.
var timingKeys = [...]struct {
	key string
	get func(*Timings) *Stamp
}{
	{`,"client_connect":`, func(t *Timings) *Stamp { return &t.ClientConnect }},
	{`,"client_tls_start":`, func(t *Timings) *Stamp { return &t.ClientTLSStart }},
	{`,"client_tls_done":`, func(t *Timings) *Stamp { return &t.ClientTLSDone }},
	{`,"request_received":`, func(t *Timings) *Stamp { return &t.RequestReceived }},
	{`,"dns_start":`, func(t *Timings) *Stamp { return &t.DNSStart }},
	{`,"dns_done":`, func(t *Timings) *Stamp { return &t.DNSDone }},
	{`,"connect_start":`, func(t *Timings) *Stamp { return &t.ConnectStart }},
	{`,"connect_done":`, func(t *Timings) *Stamp { return &t.ConnectDone }},
	{`,"tls_start":`, func(t *Timings) *Stamp { return &t.TLSStart }},
	{`,"tls_done":`, func(t *Timings) *Stamp { return &t.TLSDone }},
	{`,"request_sent":`, func(t *Timings) *Stamp { return &t.RequestSent }},
	{`,"first_byte":`, func(t *Timings) *Stamp { return &t.FirstByte }},
	{`,"complete":`, func(t *Timings) *Stamp { return &t.Complete }},
}

func appendOmitString(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendJSONString(append(b, key...), s)
}

func appendOmitInt(b []byte, key string, n int64) []byte {
	if n == 0 {
		return b
	}
	return strconv.AppendInt(append(b, key...), n, 10)
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as encoding/json does: HTML-safe, invalid
// UTF-8 as U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
