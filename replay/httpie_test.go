package replay

import (
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/internal/testutil"
)

// TestHTTPieReproducesRequests runs the generated commands with the real
// http binary (HTTPie 3, installed by .ci/run; without it the test is
// skipped, or fails when CI=true). HTTPie always sends a
// User-Agent and an Accept-Encoding, and re-encodes some URL characters,
// so the originals here carry both headers and no [ ] { } in their URLs.
func TestHTTPieReproducesRequests(t *testing.T) {
	testutil.NeedCommand(t, "http")
	o := newEchoOrigin(t, false)
	for _, r := range originals() {
		if strings.ContainsAny(r.path, "[]{}") {
			continue // requests re-encodes these; see HTTPieCommand
		}
		t.Run(r.name, func(t *testing.T) {
			if !hasHeader(r.headers, "User-Agent") {
				r.headers = append(r.headers, [2]string{"User-Agent", "app/2.0"})
			}
			if !hasHeader(r.headers, "Accept-Encoding") {
				r.headers = append(r.headers, [2]string{"Accept-Encoding", "identity"})
			}
			want := sendOriginal(t, o, r)
			f := seenAsFlow(want)
			for _, opts := range []ShellOptions{{}, {BodyFile: "body.bin"}} {
				c, err := HTTPieCommand(f, opts)
				if err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				writeBodyFile(t, dir, c, "body.bin")
				runShell(t, dir, c.Text)
				var ignore []string
				if len(want.Body) == 0 && want.Header.Get("Content-Length") == "" {
					ignore = append(ignore, "Content-Length") // requests adds "0"; see HTTPieCommand
				}
				sameRequest(t, "httpie "+opts.BodyFile, o.next(t), want, ignore...)
			}
		})
	}
}

func hasHeader(list [][2]string, name string) bool {
	for _, h := range list {
		if strings.EqualFold(h[0], name) {
			return true
		}
	}
	return false
}
