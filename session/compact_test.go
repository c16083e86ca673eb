package session

import (
	"math"
	"net/http"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// compactCases are flows as the proxy records them, each with what makes
// it fit a compact row or not.
func compactCases() map[string]struct {
	f    *Flow
	fits bool
} {
	plain := func() *Flow {
		f := smallFlow(7)
		f.Source, f.Listener = Live, "regular@8080"
		f.Client = Peer{Addr: "127.0.0.1:50123", SNI: "a.test", TLSVersion: "TLS 1.3", ALPN: "h2"}
		f.Server = Peer{Addr: "10.0.0.1:443", SNI: "a.test", TLSVersion: "TLS 1.3", ALPN: "h2"}
		t := f.Timings.RequestReceived
		f.Timings = Timings{ClientConnect: t - 5e9, ClientTLSStart: t - 5e9 + 1000, ClientTLSDone: t - 4e9,
			RequestReceived: t, DNSStart: t + 1, DNSDone: t + 2, ConnectStart: t + 3, ConnectDone: t + 4,
			TLSStart: t + 5, TLSDone: t + 6, RequestSent: t + 7, FirstByte: t + 8, Complete: t + 2e9}
		f.Request.Body = Body{Data: []byte("x"), Size: 1 << 30, Truncated: true}
		f.Response.Body.Size, f.Response.Body.Truncated = 1<<40, true
		f.Marked = true
		return f
	}
	with := func(change func(f *Flow)) *Flow {
		f := plain()
		change(f)
		return f
	}
	return map[string]struct {
		f    *Flow
		fits bool
	}{
		"plain":             {plain(), true},
		"small":             {smallFlow(3), true},
		"no response":       {with(func(f *Flow) { f.Response = nil; f.State = Pending }), true},
		"no content type":   {with(func(f *Flow) { f.Response.Header.Del("Content-Type") }), true},
		"request type":      {with(func(f *Flow) { f.Request.Header.Set("Content-Type", "application/json") }), true},
		"error":             {with(func(f *Flow) { f.State, f.Err = Failed, &Error{Phase: PhaseDial, Msg: "refused"} }), false},
		"comment":           {with(func(f *Flow) { f.Comment = "look" }), false},
		"edited":            {with(func(f *Flow) { f.Original = f.Request.Clone() }), false},
		"stream":            {with(func(f *Flow) { f.Kind, f.Stream = WebSocket, &StreamStats{BytesUp: 1} }), false},
		"two types":         {with(func(f *Flow) { f.Response.Header["Content-Type"] = []string{"a/b", "c/d"} }), false},
		"grpc status":       {with(func(f *Flow) { f.Response.Trailer = http.Header{"Grpc-Status": {"0"}} }), false},
		"slow":              {with(func(f *Flow) { f.Timings.Complete = f.Timings.RequestReceived.Add(3 * time.Hour) }), true},
		"timing before":     {with(func(f *Flow) { f.Timings.FirstByte = f.Timings.RequestReceived.Add(-3 * time.Second) }), true},
		"huge request body": {with(func(f *Flow) { f.Request.Body.Size = 1 << 50 }), true},
		"extreme timings": {with(func(f *Flow) {
			f.Timings.ClientConnect, f.Timings.Complete, f.Timings.DNSStart = 1, math.MaxInt64, math.MinInt64
		}), true},
		"long address":      {with(func(f *Flow) { f.Client.Addr = strings.Repeat("a", 256) }), false},
		"long URL":          {with(func(f *Flow) { f.Request.URL += "?" + strings.Repeat("a", 1<<16) }), false},
		"no request moment": {with(func(f *Flow) { f.Timings.RequestReceived = 0 }), false},
	}
}

// TestCompactRowIsTheLightSnapshot: a flow kept as a compact row reads
// back as exactly the light snapshot it stands for, and flows that do not
// fit keep their light snapshot.
func TestCompactRowIsTheLightSnapshot(t *testing.T) {
	c := newCompactor()
	ct := ctypes{}
	for name, tc := range compactCases() {
		f := tc.f.Clone()
		f.ID, f.Seq = newID(), 42
		stripBodies(f, nil)
		light := ct.lighten(f)
		r, ok := c.row(light, nil)
		rh, okh := c.row(f, ct)
		if ok != okh {
			t.Errorf("%s: fits a compact row = %v as a light snapshot, %v with its headers", name, ok, okh)
		}
		if ok != tc.fits {
			t.Errorf("%s: fits a compact row = %v, want %v", name, ok, tc.fits)
			continue
		}
		if !ok {
			continue
		}
		if got := r.flow(light.ID); !reflect.DeepEqual(got, light) {
			t.Errorf("%s: compact row reads back\n %+v\nwant the light snapshot\n %+v", name, got, light)
		}
		if got := rh.flow(light.ID); !reflect.DeepEqual(got, light) {
			t.Errorf("%s: compact row made with the headers reads back\n %+v\nwant the light snapshot\n %+v", name, got, light)
		}
	}
}

// TestStoreKeepsPlainFlowsCompact: a committed plain flow is held as a
// compact row, not a Flow; the view, Get and List see it whole, and a
// second snapshot in the same shape shares its strings.
func TestStoreKeepsPlainFlowsCompact(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{})
	a, b := compactCases()["plain"].f, smallFlow(1)
	s.Add(a)
	s.Add(b)
	mustFlush(t, s)
	s.mu.Lock()
	ea, eb := s.lookupLocked(a.ID), s.lookupLocked(b.ID)
	s.mu.Unlock()
	for _, e := range []*entry{ea, eb} {
		if e.meta.Load() != nil || e.row.Load() == nil {
			t.Fatalf("flow %s committed: held as a Flow, want a compact row", e.ID())
		}
	}
	if got, want := s.Count(MatcherFunc(func(f *Flow) bool { return f.Request.URL == a.Request.URL })), 1; got != want {
		t.Errorf("a matcher over compact rows found %d flows, want %d", got, want)
	}
	v := s.NewView()
	v.SetOrder(SortDuration, false)
	refresh(t, v)
	w := v.Window(0, 2)
	if len(w) != 2 || w[0].ID != b.ID || w[1].ID != a.ID {
		t.Fatalf("view by duration: %v, want %s then %s", ids(w), b.ID, a.ID)
	}
	g, err := s.Get(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, a) {
		t.Errorf("Get of a compact flow:\n got %+v\nwant %+v", g, a)
	}
	// Marking it from the list makes it a Flow again until the next
	// commit, with everything kept.
	m := w[1].Clone()
	m.Marked = false
	if err := s.Update(m); err != nil {
		t.Fatal(err)
	}
	mustFlush(t, s)
	s.Close()
	ro := openStore(t, path, Options{ReadOnly: true})
	g, err = ro.Get(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	a.Marked = false
	if !reflect.DeepEqual(g, a) {
		t.Errorf("reopened, unmarked compact flow:\n got %+v\nwant %+v", g, a)
	}
	ro.mu.Lock()
	e := ro.lookupLocked(a.ID)
	ro.mu.Unlock()
	if e.meta.Load() != nil {
		t.Error("a plain flow loaded from the file is held as a Flow, want a compact row")
	}
}

func ids(fs []*Flow) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

// TestCompactFlowHeap bounds the live heap a committed small flow costs
// the store: index entry, compact row, strings and maps. It was ~730 B
// with light Flows, 210 with a Go map of IDs and entries of 48 bytes.
func TestCompactFlowHeap(t *testing.T) {
	const n = 20_000
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	before := liveHeap()
	for i := range n {
		s.Add(smallFlow(i))
	}
	mustFlush(t, s)
	perFlow := (int64(liveHeap()) - int64(before)) / n
	runtime.KeepAlive(s)
	if perFlow > 280 {
		t.Errorf("the store holds %d B of heap per committed flow, want at most 280", perFlow)
	}
	t.Logf("%d B of heap per committed flow", perFlow)
}

// TestSetTimingIsTimingFields: readNumbers's setTiming sets the timing
// that timingFields names for each index.
func TestSetTimingIsTimingFields(t *testing.T) {
	for i, get := range timingFields {
		var want, got Timings
		*get(&want) = Stamp(i + 1)
		setTiming(&got, i, Stamp(i+1))
		if got != want {
			t.Errorf("setTiming(%d) set %+v, want %+v", i, got, want)
		}
	}
}

// TestScratchSnapshotsInSequence: snapshots built one after another in
// one scratch, of rows of every shape, with and without a response, are
// each the row's light snapshot (a snapshot keeps nothing of the one
// built before it).
func TestScratchSnapshotsInSequence(t *testing.T) {
	var rows []*compactRow
	for _, cr := range fittingRows(t, newCompactor()) {
		rows = append(rows, cr.row)
	}
	var sc scratch
	for i := range 4 * len(rows) {
		r := rows[(i*7)%len(rows)]
		if got, want := r.flowInto("id", &sc), r.flow("id"); !reflect.DeepEqual(got, want) {
			t.Fatalf("snapshot %d built after others:\n %+v\nwant\n %+v", i, got, want)
		}
	}
}

// caseRow is a case of compactCases that fits a compact row, made into one.
type caseRow struct {
	name string
	f    *Flow // the case's flow, with an ID and Seq, bodies stripped
	row  *compactRow
}

// fittingRows makes the compact row of every case of compactCases that
// fits one, in c, in a stable order.
func fittingRows(t *testing.T, c *compactor) []caseRow {
	t.Helper()
	var out []caseRow
	for name, tc := range compactCases() {
		if !tc.fits {
			continue
		}
		f := tc.f.Clone()
		f.ID, f.Seq = newID(), 42
		stripBodies(f, nil)
		r, ok := c.row(f, ctypes{})
		if !ok {
			t.Fatalf("%s: a case that fits makes no compact row", name)
		}
		out = append(out, caseRow{name, f, r})
	}
	slices.SortFunc(out, func(a, b caseRow) int { return strings.Compare(a.name, b.name) })
	return out
}
