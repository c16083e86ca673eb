package mitm

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/siphonproxy/siphon/certs"
	"github.com/siphonproxy/siphon/internal/testutil/certstest"
	"github.com/siphonproxy/siphon/session"
)

// memRecorder keeps the latest snapshot of each flow and lets tests wait
// for one that satisfies a condition. It keeps the header maps it is
// handed, as a store opened with session.Options.ShareHeaders does, and
// checks that the proxy keeps its promise never to modify them (see
// Recorder): handed tells it what each map held when handed over.
type memRecorder struct {
	mu      sync.Mutex
	flows   []*session.Flow
	updates []int // Update calls per flow
	msgs    map[string][]session.Message
	handed  map[unsafe.Pointer]handedMap
	changed chan struct{}
}

// handedMap is a header map a recorder was handed, and a copy of what it
// held then.
type handedMap struct {
	h, was http.Header
	flow   int64
}

func newMemRecorder() *memRecorder {
	return &memRecorder{changed: make(chan struct{}, 1), handed: map[unsafe.Pointer]handedMap{}}
}

func (r *memRecorder) Add(f *session.Flow) {
	r.mu.Lock()
	f.Seq = int64(len(r.flows) + 1)
	f.ID = strconv.FormatInt(f.Seq, 10)
	r.flows = append(r.flows, r.keep(f))
	r.updates = append(r.updates, 0)
	r.mu.Unlock()
	r.signal()
}

func (r *memRecorder) Update(f *session.Flow) error {
	r.mu.Lock()
	r.flows[f.Seq-1] = r.keep(f)
	r.updates[f.Seq-1]++
	r.mu.Unlock()
	r.signal()
	return nil
}

// keep copies f as a store with shared headers does, noting its header
// and trailer maps; r.mu is held.
func (r *memRecorder) keep(f *session.Flow) *session.Flow {
	c := *f
	for _, m := range []**session.Request{&c.Request, &c.Original} {
		if *m != nil {
			q := **m
			*m = &q
			r.note(f.Seq, q.Header, q.Trailer)
		}
	}
	if c.Response != nil {
		res := *c.Response
		c.Response = &res
		r.note(f.Seq, res.Header, res.Trailer)
	}
	if c.Err != nil {
		e := *c.Err
		c.Err = &e
	}
	if c.Stream != nil {
		s := *c.Stream
		c.Stream = &s
	}
	return &c
}

// note remembers what the maps hs hold as they are handed over, unless
// they were handed over before; r.mu is held.
func (r *memRecorder) note(seq int64, hs ...http.Header) {
	for _, h := range hs {
		if h == nil {
			continue
		}
		k := reflect.ValueOf(h).UnsafePointer()
		if _, ok := r.handed[k]; !ok {
			r.handed[k] = handedMap{h: h, was: h.Clone(), flow: seq}
		}
	}
}

// changedMaps reports the header maps that changed after they were
// handed over: the proxy broke its promise.
func (r *memRecorder) changedMaps() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for _, m := range r.handed {
		if !reflect.DeepEqual(m.h, m.was) {
			errs = append(errs, fmt.Errorf("flow %d: a header map changed after it was recorded: %v, recorded as %v", m.flow, m.h, m.was))
		}
	}
	return errors.Join(errs...)
}

func (r *memRecorder) AddMessage(flowID string, m session.Message) error {
	r.mu.Lock()
	if r.msgs == nil {
		r.msgs = map[string][]session.Message{}
	}
	r.msgs[flowID] = append(r.msgs[flowID], m)
	r.mu.Unlock()
	r.signal()
	return nil
}

// messages returns the messages recorded for a flow.
func (r *memRecorder) messages(flowID string) []session.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]session.Message(nil), r.msgs[flowID]...)
}

func (r *memRecorder) signal() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// wait returns the first flow for which ok is true, failing the test after
// ten seconds.
func (r *memRecorder) wait(t *testing.T, what string, ok func(*session.Flow) bool) *session.Flow {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		for _, f := range r.flows {
			if ok(f) {
				r.mu.Unlock()
				return f.Clone()
			}
		}
		r.mu.Unlock()
		select {
		case <-r.changed:
		case <-timeout:
			t.Fatalf("no flow %s after 10s; have %d flows", what, r.count())
			return nil
		}
	}
}

// updateCount returns how many times the flow with seq was updated.
func (r *memRecorder) updateCount(seq int64) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.updates[seq-1]
}

func (r *memRecorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.flows)
}

func finalFor(url string) func(*session.Flow) bool {
	return func(f *session.Flow) bool {
		return f.Request != nil && f.Request.URL == url && (f.State == session.Done || f.State == session.Failed)
	}
}

type testProxy struct {
	*Proxy
	addr   string
	rec    *memRecorder
	minter *certs.Minter
}

// startProxy runs a proxy on 127.0.0.1:0 with cfg (Recorder and Minter
// filled in when empty) and stops it when the test ends.
func startProxy(t testing.TB, cfg Config) *testProxy {
	t.Helper()
	rec := newMemRecorder()
	if cfg.Recorder == nil {
		cfg.Recorder = rec
	}
	if cfg.Minter == nil {
		cfg.Minter = certstest.NewMinter(t, 64)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { p.Serve(l); close(done) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		p.Shutdown(ctx)
		<-done
		if err := rec.changedMaps(); err != nil {
			t.Error(err)
		}
	})
	return &testProxy{Proxy: p, addr: l.Addr().String(), rec: rec, minter: cfg.Minter}
}

// client returns an HTTP client that uses the proxy and trusts only its CA.
func (tp *testProxy) client() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:             http.ProxyURL(&url.URL{Scheme: "http", Host: tp.addr}),
			TLSClientConfig:   &tls.Config{RootCAs: tp.minter.CA().Pool()},
			ForceAttemptHTTP2: false,
		},
		Timeout: 20 * time.Second,
	}
}

// poolOf trusts the certificate of a httptest TLS server.
func poolOf(c *x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c)
	return p
}

func mustRegexps(t *testing.T, exprs ...string) []*regexp.Regexp {
	t.Helper()
	var out []*regexp.Regexp
	for _, e := range exprs {
		out = append(out, regexp.MustCompile(e))
	}
	return out
}
