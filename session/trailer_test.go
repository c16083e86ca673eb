package session

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Trailers are stored, exported and imported with every other field (the
// round trips of fullFlow in store_test, metadec_test and har_test cover
// them); these tests pin down what is particular to them.

// trailerNeedle matches flows whose response trailers carry
// X-Custom-Trailer, a field no light snapshot holds (they keep only
// gRPC's status: lightgrpc.go).
type trailerNeedle struct{}

func (trailerNeedle) Match(f *Flow) bool {
	return f.Response != nil && f.Response.Trailer.Get("X-Custom-Trailer") == "one"
}

func (trailerNeedle) NeedsHeaders() bool { return true }

func TestLightFlowsLeaveTrailersInTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{})
	want := fullFlow(1)
	s.Add(want)
	mustFlush(t, s)
	check := func(s *Store, when string) {
		t.Helper()
		w := window(t, s.NewView())
		status := http.Header{"Grpc-Status": {"13"}, "Grpc-Message": {"boom: caf\u00e9"}}
		if !w.HeadersUnloaded || w.Request.Trailer != nil || !reflect.DeepEqual(w.Response.Trailer, status) || w.Original.Trailer != nil {
			t.Errorf("%s: light snapshot holds trailers: %v %v %v", when, w.Request.Trailer, w.Response.Trailer, w.Original.Trailer)
		}
		g, err := s.Get(want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g.Response.Trailer, want.Response.Trailer) || !reflect.DeepEqual(g.Request.Trailer, want.Request.Trailer) {
			t.Errorf("%s: Get gives trailers %v / %v, want %v / %v", when,
				g.Request.Trailer, g.Response.Trailer, want.Request.Trailer, want.Response.Trailer)
		}
		if n := s.Count(trailerNeedle{}); n != 1 {
			t.Errorf("%s: a matcher that needs headers sees trailers in %d flows, want 1", when, n)
		}
		if n := s.Count(MatcherFunc(trailerNeedle{}.Match)); n != 0 {
			t.Errorf("%s: a matcher that did not ask for headers saw trailers (%d matches)", when, n)
		}
	}
	check(s, "committed")
	mustClose(t, s)
	s = openStore(t, path, Options{ReadOnly: true})
	check(s, "reopened")
}

func TestMetaTrailers(t *testing.T) {
	// A record written before trailers were kept has none.
	old := `{"id":"a","seq":1,"state":"done","source":"live","kind":"http",
		"request":{"method":"GET","url":"u","header":{"A":["1"]}},
		"response":{"status":200,"header":{}}}`
	f, err := unmarshalMeta([]byte(old))
	if err != nil {
		t.Fatal(err)
	}
	if f.Request.Trailer != nil || f.Response.Trailer != nil {
		t.Errorf("old record decoded with trailers %v / %v", f.Request.Trailer, f.Response.Trailer)
	}
	// Empty and null trailers are none; values keep their order.
	rec := `{"request":{"method":"POST","url":"u","header":{},"trailer":{}},
		"response":{"status":200,"header":{},"trailer":{"Grpc-Status":["0"],"X-T":["b","a"]}},
		"original":{"method":"POST","url":"u","header":{},"trailer":null}}`
	if f, err = unmarshalMeta([]byte(rec)); err != nil {
		t.Fatal(err)
	}
	want := http.Header{"Grpc-Status": {"0"}, "X-T": {"b", "a"}}
	if f.Request.Trailer != nil || f.Original.Trailer != nil || !reflect.DeepEqual(f.Response.Trailer, want) {
		t.Errorf("trailers %v / %v / %v, want nil / %v / nil", f.Request.Trailer, f.Response.Trailer, f.Original.Trailer, want)
	}
	// The light decoder reads past them, as strictly as the full one,
	// keeping only gRPC's status.
	d := newMetaDecoder()
	d.light = make(ctypes)
	if lf, err := d.decode([]byte(rec)); err != nil || !reflect.DeepEqual(lf.Response.Trailer, http.Header{"Grpc-Status": {"0"}}) || lf.Request.Trailer != nil {
		t.Errorf("light decode: trailer %v, %v; want only Grpc-Status", lf.Response.Trailer, err)
	}
	for _, bad := range []string{
		`{"response":{"status":200,"trailer":{"A":[1]}}}`,
		`{"response":{"status":200,"trailer":["A"]}}`,
		`{"request":{"method":"GET","trailer":{"A":"1"}}}`,
	} {
		if f, err := unmarshalMeta([]byte(bad)); err == nil {
			t.Errorf("%s decoded to %+v, want an error", bad, f)
		}
		d := newMetaDecoder()
		d.light = make(ctypes)
		if _, err := d.decode([]byte(bad)); err == nil {
			t.Errorf("light decoder accepted %s", bad)
		}
	}
	// Marshalling leaves out a message's trailer when it has none.
	data := marshalMeta(smallFlow(1))
	if bytes.Contains(data, []byte(`"trailer"`)) {
		t.Errorf("a flow without trailers is stored with a trailer key: %s", data)
	}
}

func TestHARTrailers(t *testing.T) {
	with, without := fullFlow(1), smallFlow(2)
	with.ID, without.ID = "with", "without"
	var buf bytes.Buffer
	if err := WriteHAR(&buf, HARCreator{Name: "siphon"}, with, without); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Log struct {
			Entries []struct {
				Request  map[string]json.RawMessage `json:"request"`
				Response map[string]json.RawMessage `json:"response"`
				Siphon   struct {
					Original map[string]json.RawMessage `json:"original"`
				} `json:"_siphon"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	e := doc.Log.Entries
	for _, tc := range []struct {
		where string
		raw   json.RawMessage
		want  string
	}{
		{"request", e[0].Request["_trailers"], `[{"name":"X-Checksum","value":"sha256=abc"}]`},
		{"response", e[0].Response["_trailers"], `[{"name":"Grpc-Message","value":"boom: café"},` +
			`{"name":"Grpc-Status","value":"13"},{"name":"X-Custom-Trailer","value":"one"},{"name":"X-Custom-Trailer","value":"two"}]`},
		{"_siphon.original", e[0].Siphon.Original["_trailers"], `[{"name":"X-Checksum","value":"original"}]`},
	} {
		var compact bytes.Buffer
		if err := json.Compact(&compact, tc.raw); err != nil || compact.String() != tc.want {
			t.Errorf("%s _trailers = %s (%v), want %s", tc.where, tc.raw, err, tc.want)
		}
	}
	if _, ok := e[1].Request["_trailers"]; ok {
		t.Errorf("request without trailers has _trailers")
	}
	if _, ok := e[1].Response["_trailers"]; ok {
		t.Errorf("response without trailers has _trailers")
	}
}

func TestHARImportsOtherToolsTrailers(t *testing.T) {
	// Another tool's entry: _trailers as siphon writes them, with a
	// pseudo-header and a nameless one left out, as in headers.
	doc := `{"log":{"entries":[{"startedDateTime":"2026-01-02T03:04:05.000Z","time":1,
		"request":{"method":"POST","url":"https://g.test/pkg.Svc/Call","httpVersion":"HTTP/2.0","headers":[],
			"_trailers":[]},
		"response":{"status":200,"httpVersion":"HTTP/2.0","headers":[],"content":{"size":0},
			"_trailers":[{"name":"grpc-status","value":"5"},{"name":"grpc-message","value":"not found"},
				{"name":":status","value":"200"},{"name":"","value":"x"}]},
		"timings":{"send":0,"wait":1,"receive":0}}]}}`
	var got *Flow
	if _, err := ReadHAR(strings.NewReader(doc), func(f *Flow) error { got = f; return nil }); err != nil {
		t.Fatal(err)
	}
	want := http.Header{"Grpc-Status": {"5"}, "Grpc-Message": {"not found"}}
	if got.Request.Trailer != nil || !reflect.DeepEqual(got.Response.Trailer, want) {
		t.Errorf("imported trailers %v / %v, want nil / %v", got.Request.Trailer, got.Response.Trailer, want)
	}
}
