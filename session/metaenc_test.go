package session

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"
)

// jsonMeta is the metadata JSON as encoding/json writes the record: the
// file format appendMeta must reproduce byte for byte.
func jsonMeta(t testing.TB, f *Flow) []byte {
	t.Helper()
	r := flowRecord{
		ID: f.ID, Seq: f.Seq,
		State: f.State.String(), Source: f.Source.String(), Kind: f.Kind.String(),
		Client: peerRecord(f.Client), Server: peerRecord(f.Server),
		Request: requestToRecord(f.Request), Original: requestToRecord(f.Original),
		Marked: f.Marked, Comment: f.Comment, Listener: f.Listener,
		Timings: timingsToRecord(&f.Timings),
	}
	if p := f.Response; p != nil {
		r.Response = &responseRecord{Status: p.Status, Reason: p.Reason, Proto: p.Proto,
			Header: p.Header, Body: bodyRecord{p.Body.Size, p.Body.Truncated}, Trailer: p.Trailer}
	}
	if e := f.Err; e != nil {
		r.Err = &errorRecord{Phase: e.Phase, Msg: e.Msg, Hint: e.Hint}
	}
	if s := f.Stream; s != nil {
		r.Stream = streamToRecord(s)
	}
	out, err := json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// nastyStrings exercise every escape encoding/json writes.
var nastyStrings = []string{"", "plain", "q\"uote\\back", "<script>&amp;</script>", "\b\f\n\r\t\x00\x01\x1f\x7f",
	"caf\u00e9 \u2028 \u2029 \U0001F600", "bad \xff\xfe utf-8 \xe2\x82", "x"}

// randomFlow is a flow with every field drawn from r, nil and zero
// included.
func randomFlow(r *rand.Rand) *Flow {
	str := func() string { return nastyStrings[r.IntN(len(nastyStrings))] }
	num := func() int64 {
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return -r.Int64N(1 << 40)
		}
		return r.Int64()
	}
	peer := func() Peer {
		if r.IntN(3) == 0 {
			return Peer{}
		}
		return Peer{Addr: str(), SNI: str(), TLSVersion: str(), ALPN: str()}
	}
	header := func() http.Header {
		switch r.IntN(4) {
		case 0:
			return nil
		case 1:
			return http.Header{}
		}
		h := http.Header{}
		for range r.IntN(5) {
			var vs []string
			if r.IntN(6) > 0 {
				vs = []string{}
				for range r.IntN(3) {
					vs = append(vs, str())
				}
			}
			h[str()+str()] = vs
		}
		return h
	}
	body := func() Body { return Body{Size: num(), Truncated: r.IntN(2) == 0} }
	request := func() *Request {
		if r.IntN(4) == 0 {
			return nil
		}
		return &Request{Method: str(), URL: str(), Proto: str(), Header: header(), Body: body(), Trailer: header()}
	}
	f := &Flow{ID: str(), Seq: num(), State: State(r.IntN(5)), Source: Source(r.IntN(5)), Kind: Kind(r.IntN(4)),
		Client: peer(), Server: peer(), Request: request(), Original: request(),
		Marked: r.IntN(2) == 0, Comment: str(), Listener: str()}
	if r.IntN(3) > 0 {
		f.Response = &Response{Status: int(num()), Reason: str(), Proto: str(), Header: header(), Body: body(), Trailer: header()}
	}
	if r.IntN(3) == 0 {
		f.Err = &Error{Phase: str(), Msg: str(), Hint: str()}
	}
	if r.IntN(3) == 0 {
		f.Stream = &StreamStats{BytesUp: num(), BytesDown: num(), FramesUp: num(), FramesDown: num(),
			PingsUp: num(), PingsDown: num(), PongsUp: num(), PongsDown: num()}
		if r.IntN(2) == 0 {
			f.Stream.Closed = time.Unix(0, r.Int64())
		}
	}
	if r.IntN(4) > 0 {
		for _, get := range timingFields {
			if r.IntN(2) == 0 {
				*get(&f.Timings) = Stamp(num())
			}
		}
		f.Timings.RequestReceived = Stamp(num())
	}
	return f
}

// TestAppendMetaIsJSON: the hand-written encoder writes exactly what
// encoding/json writes for the record, for flows of every shape.
func TestAppendMetaIsJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 1))
	flows := []*Flow{fullFlow(1), smallFlow(2), benchFlow(3), {}}
	for range 3000 {
		flows = append(flows, randomFlow(r))
	}
	for i, f := range flows {
		want := jsonMeta(t, f)
		if got := appendMeta(nil, f); !bytes.Equal(got, want) {
			t.Fatalf("flow %d: appendMeta wrote\n%s\nencoding/json writes\n%s", i, got, want)
		}
	}
}

func FuzzAppendMetaString(f *testing.F) {
	for _, s := range nastyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fl := &Flow{ID: s, Comment: s, Request: &Request{URL: s, Header: http.Header{s: {s}}}}
		if got, want := appendMeta(nil, fl), jsonMeta(t, fl); !bytes.Equal(got, want) {
			t.Fatalf("appendMeta wrote\n%q\nencoding/json writes\n%q", got, want)
		}
	})
}
