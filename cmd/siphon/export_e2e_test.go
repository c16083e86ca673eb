package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/siphonproxy/siphon/internal/testutil"
)

// capturedSession runs siphon dump, sends requests through it with the
// real curl (a JSON POST with custom headers and an escaped query, a
// binary PUT, a gzip download, over HTTP and HTTPS), stops it, and returns
// the session file with what the origins saw of each request, in order.
func capturedSession(t *testing.T) (sessionPath string, seen []seenRequest, plain, secure *recordingOrigin, originCA string) {
	t.Helper()
	plain, secure = newRecordingOrigin(t, false), newRecordingOrigin(t, true)
	originCA = writePEM(t, secure.Certificate())
	home := t.TempDir()
	caPath, _, code := runSiphonHome(t, home, "ca", "path")
	if code != 0 {
		t.Fatal("siphon ca path failed")
	}
	c := startDump(t, home, "--upstream-ca", originCA)

	bin := make([]byte, 0, 1024)
	for i := range 1024 {
		bin = append(bin, byte(i*13))
	}
	binFile := filepath.Join(t.TempDir(), "blob.bin")
	if err := os.WriteFile(binFile, bin, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, o := range []*recordingOrigin{plain, secure} {
		via := []string{"-x", "http://" + c.addr, "--cacert", strings.TrimSpace(caPath), "-o", "/dev/null"}
		curl(t, append(via, "-X", "POST",
			"-H", "X-Zeta: last but first", "-H", "X-Alpha: second", "-H", "Content-Type: application/json",
			"-H", "Authorization: Bearer it's-a-token", "-H", "X-Empty;", "-H", "X-Mid: 3",
			"--data-binary", `{"name":"siphon","quote":"it's","pct":"100%","list":[1,2,3]}`,
			o.URL+"/api/items?q=a%20b&path=%2Fx%2Fy&u=%E2%9C%93&eq=%3D&flag")...)
		seen = append(seen, o.next(t))
		curl(t, append(via, "-X", "PUT", "-H", "Content-Type: application/octet-stream",
			"--data-binary", "@"+binFile, o.URL+"/upload/blob?v=2")...)
		seen = append(seen, o.next(t))
		curl(t, append(via, "--compressed", o.URL+"/gzip")...)
		seen = append(seen, o.next(t))
	}
	if code := c.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("siphon dump exit %d:\n%s", code, c.stderr)
	}
	return c.session, seen, plain, secure, originCA
}

// TestExportCurlRoundTrip is the acceptance test of "copy as curl": the
// exported commands, run with the real curl straight at the origins, make
// the origins see exactly what they saw through siphon.
func TestExportCurlRoundTrip(t *testing.T) {
	sess, want, plain, secure, originCA := capturedSession(t)
	for _, tc := range []struct {
		format string
		toFile bool
	}{
		{"curl", false},
		{"curl", true},
		{"httpie", false},
		{"httpie", true},
	} {
		t.Run(fmt.Sprintf("%s to file %v", tc.format, tc.toFile), func(t *testing.T) {
			if tc.format == "httpie" {
				testutil.NeedCommand(t, "http")
			}
			script, dir := exportSession(t, sess, tc.format, tc.toFile)
			if tc.toFile {
				// The binary bodies were written beside the file.
				if tc.format == "curl" && !strings.Contains(script, "--data-binary @replay.sh.2.body") {
					t.Errorf("binary body not read from a file beside the export:\n%s", script)
				}
			} else if !strings.Contains(script, "printf '") {
				t.Errorf("self-contained export lacks the printf pipe of the binary body:\n%s", script)
			}
			runScript(t, dir, script, "CURL_CA_BUNDLE="+originCA, "REQUESTS_CA_BUNDLE="+originCA)
			for i, w := range want {
				o := plain
				if i >= len(want)/2 {
					o = secure
				}
				var ignore []string
				if tc.format == "httpie" && w.Header.Get("Accept-Encoding") == "" {
					// HTTPie cannot leave Accept-Encoding out (it sends
					// "identity"); the request that asked for gzip matches.
					ignore = append(ignore, "Accept-Encoding")
				}
				assertSameRequest(t, tc.format+" export of "+w.Method+" "+w.URL, o.next(t), w, ignore...)
			}
		})
	}
}

// TestExportMultipartUpload exports uploads made with curl -F through
// siphon: a multipart body starts with "--", which printf once read as
// options, so that the exported command sent an empty body.
func TestExportMultipartUpload(t *testing.T) {
	plain, secure := newRecordingOrigin(t, false), newRecordingOrigin(t, true)
	originCA := writePEM(t, secure.Certificate())
	home := t.TempDir()
	caPath, _, code := runSiphonHome(t, home, "ca", "path")
	if code != 0 {
		t.Fatal("siphon ca path failed")
	}
	c := startDump(t, home, "--upstream-ca", originCA)
	file := filepath.Join(t.TempDir(), "photo.bin")
	data := []byte("-\x00\r\n--%s\\' binary\xff")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var want []seenRequest
	for _, o := range []*recordingOrigin{plain, secure} {
		curl(t, "-x", "http://"+c.addr, "--cacert", strings.TrimSpace(caPath), "-o", "/dev/null",
			"-F", "title=it's 100% done", "-F", "photo=@"+file, o.URL+"/upload")
		want = append(want, o.next(t))
	}
	if code := c.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("siphon dump exit %d:\n%s", code, c.stderr)
	}
	if !strings.HasPrefix(string(want[0].Body), "--") || !strings.Contains(string(want[0].Body), string(data)) {
		t.Fatalf("curl -F sent %q, want a multipart body holding the file", want[0].Body)
	}
	for _, format := range []string{"curl", "httpie"} {
		t.Run(format, func(t *testing.T) {
			if format == "httpie" {
				testutil.NeedCommand(t, "http")
			}
			script, dir := exportSession(t, c.session, format, false)
			runScript(t, dir, script, "CURL_CA_BUNDLE="+originCA, "REQUESTS_CA_BUNDLE="+originCA)
			for i, o := range []*recordingOrigin{plain, secure} {
				var ignore []string
				if format == "httpie" {
					ignore = []string{"Accept-Encoding", "User-Agent"} // HTTPie sends its own
				}
				assertSameRequest(t, format+" export of the upload to "+o.URL, o.next(t), want[i], ignore...)
			}
		})
	}
}

// exportSession runs siphon export in a format, to stdout or to a file in
// a new directory, and returns the script and the directory to run it in.
func exportSession(t *testing.T, sess, format string, toFile bool) (script, dir string) {
	t.Helper()
	dir = t.TempDir()
	args := []string{"export", "--format", format, sess}
	if toFile {
		args = append(args, "-o", filepath.Join(dir, "replay.sh"))
	}
	out, errOut, code := runSiphon(t, args...)
	if code != 0 {
		t.Fatalf("siphon %v: exit %d\n%s", args, code, errOut)
	}
	script = out
	if toFile {
		data, err := os.ReadFile(filepath.Join(dir, "replay.sh"))
		if err != nil {
			t.Fatal(err)
		}
		script = string(data)
	}
	if strings.Contains(script, " -k") || strings.Contains(script, "--insecure") || strings.Contains(script, "--verify") {
		t.Errorf("%s export turns TLS verification off:\n%s", format, script)
	}
	return script, dir
}

func TestExportRawAndBadInput(t *testing.T) {
	sess, want, _, _, _ := capturedSession(t)
	out, _, code := runSiphon(t, "export", "--format", "raw-request", "--filter", "~m PUT", sess)
	if code != 0 || !strings.HasPrefix(out, "### #2 PUT ") || !strings.Contains(out, "PUT /upload/blob?v=2 HTTP/1.1\r\n") ||
		!strings.Contains(out, string(want[1].Body)) {
		t.Errorf("raw-request export:\n%q", out)
	}
	out, _, code = runSiphon(t, "export", "--format", "raw-response", "--filter", "gzip", sess)
	if code != 0 || !strings.Contains(out, "HTTP/1.1 200 OK\r\n") || !strings.Contains(out, "Content-Encoding: gzip\r\n") {
		t.Errorf("raw-response export:\n%q", out)
	}

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"export", "--format", "xml", sess}, 2, `bad --format "xml"`},
		{[]string{"export", sess, "--filter", "~zz"}, 2, "bad --filter"},
		{[]string{"export", filepath.Join(t.TempDir(), "none.db")}, 2, "no such file"},
		{[]string{"export"}, 2, "want one session file"},
		{[]string{"export", "--format", "har", "-o", filepath.Join(t.TempDir(), "no", "dir", "x.har"), sess}, 1, "export"},
	} {
		_, errOut, code := runSiphon(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("siphon %v: exit %d %q, want %d and %q", tc.args, code, errOut, tc.code, tc.msg)
		}
	}
}
