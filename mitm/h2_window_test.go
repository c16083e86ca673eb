package mitm

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"testing"

	"golang.org/x/net/http2"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/internal/testutil"
)

// An upload held at a breakpoint keeps what its client has sent of it
// unread in siphon. That must not use up the flow-control window of the
// whole connection: another upload on the same connection goes through.
func TestHTTP2HeldUploadLeavesTheConnectionFlowing(t *testing.T) {
	h2 := h2Origin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, r.URL.Path)
	}))
	e := rulesEngine(t, intercept.Config{}, `
- name: held
  match: ~u /held
  breakpoint: request
`)
	// siphon reads a held body up to the capture limit; the rest stays
	// unread, a window's worth of it sent by the client.
	tp := startProxy(t, Config{Decider: e, RootCAs: poolOf(h2.Certificate()), BodyLimit: 256 << 10})
	c := tp.h2Client()
	warm, err := c.Get(h2.URL + "/warm") // opens the one connection
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, warm.Body)
	warm.Body.Close()

	req, _ := http.NewRequest(http.MethodPost, h2.URL+"/held", bytes.NewReader(make([]byte, 8<<20)))
	held := fetch(c, req)
	p := waitPaused(t, e, 1)[0]

	var reused bool
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused },
	})
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, h2.URL+"/other", bytes.NewReader(make([]byte, 4<<20)))
	if r := mustOK(t, fetch(c, req)); r.body != "/other" || !reused {
		t.Fatalf("upload beside a held one: %d %q (same connection: %v)", r.status, r.body, reused)
	}
	if err := e.Resume(p.ID); err != nil {
		t.Fatal(err)
	}
	if r := mustOK(t, held); r.body != "/held" {
		t.Errorf("held upload after resume: %d %q", r.status, r.body)
	}
}

// siphon's receive window toward h2 origins is what bounds a download
// from a distant one (one window per round trip): it must not be below
// what browsers use alone (Chrome: 6 MiB a stream), as Go's default 4 MiB
// is. The origin here reads siphon's SETTINGS frame off the wire.
func TestHTTP2OriginSideWindowFitsLargeDownloads(t *testing.T) {
	window := make(chan uint32, 1)
	origin := httptest.NewUnstartedServer(http.NotFoundHandler())
	origin.EnableHTTP2 = true
	origin.Config.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){
		"h2": func(_ *http.Server, c *tls.Conn, _ http.Handler) {
			defer c.Close()
			preface := make([]byte, len(http2.ClientPreface))
			if _, err := io.ReadFull(c, preface); err != nil {
				return
			}
			f, err := http2.NewFramer(io.Discard, c).ReadFrame()
			if s, ok := f.(*http2.SettingsFrame); err == nil && ok {
				v, _ := s.Value(http2.SettingInitialWindowSize)
				window <- v
			}
		},
	}
	origin.StartTLS()
	defer origin.Close()
	tp := startProxy(t, Config{RootCAs: poolOf(origin.Certificate())})
	go func() {
		if res, err := tp.client().Get(origin.URL + "/big"); err == nil {
			res.Body.Close()
		}
	}()
	if got := testutil.Receive(t, window, "SETTINGS from siphon"); got < 8<<20 {
		t.Errorf("siphon offers h2 origins a stream window of %d bytes, want at least 8 MiB", got)
	}
}
