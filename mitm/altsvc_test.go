package mitm

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

func TestDropHTTP3AltSvc(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want []string // nil: no Alt-Svc left
	}{
		{[]string{`h3=":443"; ma=86400`}, nil},
		{[]string{`h3=":443"; ma=86400, h3-29=":443"; ma=86400, h2=":8443"; ma=60`}, []string{`h2=":8443"; ma=60`}},
		{[]string{`quic=":443"; ma=2592000; v="46,43"`, `h2="alt.example:443"`}, []string{`h2="alt.example:443"`}},
		{[]string{`h2="a,b.example:443", H3=":443"`}, []string{`h2="a,b.example:443"`}},
		{[]string{`h3%2D29=":443"`, `hq-interop=":443"`}, nil},
		{[]string{`clear`}, []string{`clear`}},
		{[]string{`h2=":443",h3=":443"`}, []string{`h2=":443"`}},
	} {
		h := http.Header{"Alt-Svc": tc.in}
		dropHTTP3AltSvc(h)
		if got := h.Values("Alt-Svc"); !slices.Equal(got, tc.want) {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Alt-Svc entries advertising HTTP/3 do not reach clients of either
// front end, unless KeepAltSvc; the flow shows what the origin sent.
func TestAltSvcHTTP3Removed(t *testing.T) {
	const sent = `h3=":443"; ma=86400, h3-29=":443"; ma=86400, h2=":8443"; ma=60`
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Alt-Svc", sent)
		io.WriteString(w, "ok")
	})
	h2 := h2Origin(t, handler)
	h1 := httptest.NewTLSServer(handler)
	defer h1.Close()
	plain := httptest.NewServer(handler)
	defer plain.Close()
	for _, keep := range []bool{false, true} {
		tp := startProxy(t, Config{RootCAs: poolOf(h1.Certificate()), KeepAltSvc: keep})
		want := `h2=":8443"; ma=60`
		if keep {
			want = sent
		}
		for _, o := range []string{h2.URL, h1.URL, plain.URL} {
			for i, c := range []*http.Client{tp.client(), tp.h2Client()} {
				u := fmt.Sprintf("%s/alt/%d", o, i)
				r := mustOK(t, get(c, u))
				if got := r.header.Get("Alt-Svc"); r.body != "ok" || got != want {
					t.Errorf("keep %v, %s: the client got Alt-Svc %q, want %q", keep, u, got, want)
				}
				f := tp.rec.wait(t, u, finalFor(u))
				if f.State != session.Done || f.Response.Header.Get("Alt-Svc") != sent {
					t.Errorf("keep %v, %s: the flow has Alt-Svc %q, want the origin's", keep, u, f.Response.Header.Get("Alt-Svc"))
				}
			}
		}
	}
}
