package session

import (
	"net/http"
	"path/filepath"
	"reflect"
	"testing"
)

// grpcFlows are a call that ended with its status in trailers, one that
// failed before any message (Trailers-Only: the status in the headers),
// and a plain flow with a trailer of another name.
func grpcFlows() []*Flow {
	call := func(i int, h, tr http.Header) *Flow {
		f := fullFlow(i)
		f.Kind, f.Err, f.Original = HTTP, nil, nil
		f.Request.Header = http.Header{"Content-Type": {"application/grpc"}, "Te": {"trailers"}}
		f.Request.Trailer = nil
		f.Response.Header, f.Response.Trailer = h, tr
		return f
	}
	return []*Flow{
		call(1, http.Header{"Content-Type": {"application/grpc"}, "Grpc-Encoding": {"gzip"}},
			http.Header{"Grpc-Status": {"5"}, "Grpc-Message": {"no%20such%20user"}, "X-Trace": {"t-1"}}),
		call(2, http.Header{"Content-Type": {"application/grpc"}, "Grpc-Status": {"14"}, "Grpc-Message": {"down"}, "Date": {"now"}}, nil),
		call(3, http.Header{"Content-Type": {"text/plain"}, "Date": {"now"}}, http.Header{"X-Checksum": {"abc"}}),
	}
}

// A light snapshot keeps a gRPC call's grpc-status and grpc-message, from
// its trailers or its Trailers-Only headers, and nothing else of them,
// whether the flow was just written or read from the file on opening;
// other flows stay as light as before.
func TestLightKeepsGRPCStatus(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{})
	for _, f := range grpcFlows() {
		s.Add(f)
	}
	mustFlush(t, s)
	check := func(when string, s *Store) {
		t.Helper()
		v := s.NewView()
		refresh(t, v)
		w := v.Window(0, 3)
		if len(w) != 3 {
			t.Fatalf("%s: %d flows", when, len(w))
		}
		for _, f := range w {
			if !f.HeadersUnloaded {
				t.Fatalf("%s: flow %d is not light", when, f.Seq)
			}
		}
		if got, want := w[0].Response.Trailer, (http.Header{"Grpc-Status": {"5"}, "Grpc-Message": {"no%20such%20user"}}); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: call's light trailer %v, want %v", when, got, want)
		}
		if got, want := w[0].Response.Header, (http.Header{"Content-Type": {"application/grpc"}}); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: call's light header %v, want %v", when, got, want)
		}
		if got, want := w[1].Response.Header, (http.Header{"Content-Type": {"application/grpc"}, "Grpc-Status": {"14"}, "Grpc-Message": {"down"}}); !reflect.DeepEqual(got, want) || w[1].Response.Trailer != nil {
			t.Errorf("%s: Trailers-Only light header %v (trailer %v), want %v", when, got, w[1].Response.Trailer, want)
		}
		if got := w[2].Response; got.Trailer != nil || len(got.Header) != 1 {
			t.Errorf("%s: a plain flow keeps %v and trailer %v", when, got.Header, got.Trailer)
		}
		// The request's header is the one shared map of its Content-Type.
		if reflect.ValueOf(w[0].Request.Header).UnsafePointer() != reflect.ValueOf(w[1].Request.Header).UnsafePointer() {
			t.Errorf("%s: the requests' Content-Type maps are not shared", when)
		}
		g, err := s.Get(w[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if g.Response.Trailer.Get("X-Trace") != "t-1" || g.Response.Header.Get("Grpc-Encoding") != "gzip" {
			t.Errorf("%s: Get lost the fields the light snapshot left out: %v %v", when, g.Response.Header, g.Response.Trailer)
		}
	}
	check("written", s)
	mustClose(t, s)
	check("reopened", openStore(t, path, Options{ReadOnly: true}))
}
