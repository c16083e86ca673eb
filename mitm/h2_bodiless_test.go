package mitm

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/internal/testutil"
)

// A request without a body reaches an h2 origin as one: its stream ends
// with the headers (Go's server then reports a length of 0, -1 when an
// empty DATA frame ends it), whatever the client spoke.
func TestHTTP2BodilessRequestStaysBodiless(t *testing.T) {
	lengths := make(chan int64, 4)
	h2 := h2Origin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lengths <- r.ContentLength
		io.WriteString(w, "ok")
	}))
	tp := startProxy(t, Config{RootCAs: poolOf(h2.Certificate())})
	for _, c := range []*http.Client{tp.h2Client(), tp.client()} {
		for _, method := range []string{http.MethodGet, http.MethodDelete} {
			req, _ := http.NewRequest(method, h2.URL+"/x", nil)
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if n := testutil.Receive(t, lengths, "request at the origin"); n != 0 || strings.TrimSpace(string(body)) != "ok" {
				t.Errorf("%s from an %s client: the origin saw a body of length %d; answer %q", method, res.Proto, n, body)
			}
		}
	}
}
