package mitm

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

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
