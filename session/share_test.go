package session

import (
	"net/http"
	"path/filepath"
	"reflect"
	"testing"
)

// sameMap reports whether a and b are the same map, not just equal ones.
func sameMap(a, b http.Header) bool {
	return a != nil && reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// TestShareHeadersKeepsMaps: a store opened with ShareHeaders keeps the
// header and trailer maps handed to Add and Update instead of copying
// them, and still copies everything else: the caller's later changes to
// its flow, its messages, error and stream counts change nothing stored.
// Flows the store hands out have maps of their own.
func TestShareHeadersKeepsMaps(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{ShareHeaders: true, FlushInterval: never})
	f := smallFlow(1)
	f.State, f.Response = Pending, nil
	f.Request.Trailer = http.Header{"X-Checksum": {"abc"}}
	f.Stream = &StreamStats{BytesUp: 1}
	s.Add(f)
	e := s.lookupLocked(f.ID)
	stored := e.snapshot()
	if !sameMap(stored.Request.Header, f.Request.Header) || !sameMap(stored.Request.Trailer, f.Request.Trailer) {
		t.Errorf("Add copied the request's header maps")
	}

	// The proxy goes on with its flow: a response, a failure, more bytes.
	f.Response = smallFlow(1).Response
	f.Err = &Error{Phase: PhaseUpstream, Msg: "broke off"}
	if err := s.Update(f); err != nil {
		t.Fatal(err)
	}
	stored = e.snapshot()
	if !sameMap(stored.Response.Header, f.Response.Header) || !sameMap(stored.Request.Header, f.Request.Header) {
		t.Errorf("Update copied the header maps")
	}
	f.Request.Method, f.Response.Status, f.Err.Msg, f.Stream.BytesUp = "POST", 500, "changed", 99
	f.Request.Body.Data = []byte("other")
	f.Request.Header = http.Header{"Replaced": {"yes"}}
	stored = e.snapshot()
	if stored.Request.Method != "GET" || stored.Response.Status != 404 || stored.Err.Msg != "broke off" ||
		stored.Stream.BytesUp != 1 || !stored.Request.Body.Unloaded || stored.Request.Header.Get("User-Agent") != "curl/8.0" {
		t.Errorf("stored flow follows the caller's changes: %+v %+v %+v %+v", stored.Request, stored.Response, stored.Err, stored.Stream)
	}
	if f.Response.Body.Unloaded || string(f.Response.Body.Data) != "hello world\n" {
		t.Errorf("the store took the body out of the caller's response: %+v", f.Response.Body)
	}

	got, err := s.Get(f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sameMap(got.Response.Header, f.Response.Header) || got.Response.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("Get returned the shared map, or lost it: %v", got.Response.Header)
	}
	got.Response.Header.Set("Content-Type", "changed") // Get's flow is the caller's
	if f.Response.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("changing Get's flow changed the shared map")
	}
	mustFlush(t, s)
	mustClose(t, s)

	r := openStore(t, path, Options{})
	back, err := r.Get(f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if back.Request.Trailer.Get("X-Checksum") != "abc" || back.Response.Header.Get("Content-Length") != "12" ||
		back.Request.Header.Get("User-Agent") != "curl/8.0" {
		t.Errorf("reopened flow lost headers: %+v %+v", back.Request, back.Response)
	}
}

// TestShareHeadersAllocatesLess: recording a flow as the proxy does
// (added pending, updated with its response, then done) copies no header
// map with ShareHeaders, whose copies were most of the allocations.
func TestShareHeadersAllocatesLess(t *testing.T) {
	allocs := func(share bool) float64 {
		s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{ShareHeaders: share, FlushInterval: never, BatchSize: 1 << 30})
		tmpl := smallFlow(1)
		return testing.AllocsPerRun(200, func() {
			f := *tmpl
			res := f.Response
			f.State, f.Response = Pending, nil
			s.Add(&f)
			f.Response = res
			if err := s.Update(&f); err != nil {
				t.Fatal(err)
			}
			f.State = Done
			if err := s.Update(&f); err != nil {
				t.Fatal(err)
			}
		})
	}
	copying, sharing := allocs(false), allocs(true)
	// Each header copy is a map and a slice of values: the request's
	// three times and the response's twice.
	if copying-sharing < 2*5 {
		t.Errorf("allocations per recorded flow: %.0f copying, %.0f sharing; want at least 10 fewer", copying, sharing)
	}
	t.Logf("allocations per recorded flow: %.0f copying headers, %.0f sharing them", copying, sharing)
}
