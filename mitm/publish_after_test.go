package mitm

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
)

// slowFinalRecorder is a recorder whose Update of a flow's final snapshot
// waits for release: a slow store.
type slowFinalRecorder struct {
	*memRecorder
	release chan struct{}
}

func (r *slowFinalRecorder) Update(f *session.Flow) error {
	if f.State == session.Done || f.State == session.Failed {
		<-r.release
	}
	return r.memRecorder.Update(f)
}

// TestFinalSnapshotAfterResponse: the client has its response before the
// flow's final snapshot is published, for bodies and bodiless answers
// alike: publishing (a copy, a wake of the session's writer) is no part of
// the exchange's latency.
func TestFinalSnapshotAfterResponse(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/empty" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		io.WriteString(w, "body")
	}))
	defer origin.Close()
	for _, path := range []string{"/body", "/empty"} {
		t.Run(path, func(t *testing.T) {
			rec := &slowFinalRecorder{memRecorder: newMemRecorder(), release: make(chan struct{})}
			tp := startProxy(t, Config{Recorder: rec})
			released := false
			release := func() {
				if !released {
					released = true
					close(rec.release)
				}
			}
			defer release()
			got := make(chan string, 1)
			go func() {
				res, err := tp.client().Get(origin.URL + path)
				if err != nil {
					got <- err.Error()
					return
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				got <- res.Status + " " + string(b)
			}()
			want := map[string]string{"/body": "200 OK body", "/empty": "204 No Content "}[path]
			if s := testutil.Receive(t, got, "response while the final snapshot waits"); s != want {
				t.Fatalf("client got %q, want %q", s, want)
			}
			release()
			f := rec.wait(t, "final", finalFor(origin.URL+path))
			if f.State != session.Done {
				t.Errorf("flow %v %+v", f.State, f.Err)
			}
		})
	}
}

// TestPipelinedEditedResponsePublished: a response whose body siphon made
// (an edit) ends on a read after its last byte, so its final snapshot is
// held after martian's last write; with the client's next request already
// read ahead (pipelined), neither a write nor a read comes to release it.
// The next request's arrival does: the flow is Done while the second
// request still waits on the origin.
func TestPipelinedEditedResponsePublished(t *testing.T) {
	slow := make(chan struct{})
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-slow
		}
		io.WriteString(w, "ok")
	}))
	defer origin.Close()
	defer close(slow)                    // before the origin's Close, which waits for its handlers
	edited := strings.Repeat("e", 20000) // past martian's 4 KiB write buffer
	dec := intercept.DeciderFunc(func(_ context.Context, ph intercept.Phase, f *session.Flow) intercept.Decision {
		if ph != intercept.ResponsePhase || strings.HasSuffix(f.Request.URL, "/slow") {
			return intercept.Decision{}
		}
		return intercept.Decision{Response: &session.Response{Status: 200, Header: http.Header{},
			Body: session.Body{Data: []byte(edited), Size: int64(len(edited))}}}
	})
	tp := startProxy(t, Config{Decider: dec})
	c, err := net.Dial("tcp", tp.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	host := strings.TrimPrefix(origin.URL, "http://")
	first := origin.URL + "/first"
	io.WriteString(c, "GET "+first+" HTTP/1.1\r\nHost: "+host+"\r\n\r\n"+
		"GET "+origin.URL+"/slow HTTP/1.1\r\nHost: "+host+"\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	if string(b) != edited {
		t.Fatalf("client got %d bytes, want the %d of the edit", len(b), len(edited))
	}
	f := tp.rec.wait(t, "Done for the first request while the second waits", finalFor(first))
	if f.State != session.Done {
		t.Errorf("flow %v %+v", f.State, f.Err)
	}
}
