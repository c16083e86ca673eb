package replay

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
)

// shellBody is a request body an exported command must reproduce.
type shellBody struct {
	name, contentType string
	data              []byte
}

// httpieEverywhere are the bodies HTTPie sends in every shell, not only
// in dash: those whose quoting differs most.
var httpieEverywhere = map[string]bool{
	"multipart upload": true, "binary after a dash": true, "percent binary": true,
	"backslashes binary": true, "invalid UTF-8": true, "shell syntax": true, "long binary": true,
}

// multipartBody is a real multipart/form-data upload, as curl -F or a
// browser sends it: a text field and a file with every byte value. Like
// every multipart body it starts with "--".
func multipartBody(t *testing.T) (contentType string, data []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if err := w.WriteField("title", "100% \\ it's -- \"done\"\n"); err != nil {
		t.Fatal(err)
	}
	part, err := w.CreatePart(textproto.MIMEHeader{
		"Content-Disposition": {`form-data; name="file"; filename="blob.bin"`},
		"Content-Type":        {"application/octet-stream"},
	})
	if err != nil {
		t.Fatal(err)
	}
	part.Write(binaryBody())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), b.Bytes()
}

func shellBodies(t *testing.T) []shellBody {
	mpType, mp := multipartBody(t)
	var textOnly bytes.Buffer
	w := multipart.NewWriter(&textOnly)
	w.WriteField("a", "b")
	w.Close()
	long := bytes.Repeat([]byte("--long body line, 100% \\n\n"), 10000) // past maxInlineBody
	longBinary := append([]byte("--"), bytes.Repeat(binaryBody(), 2000)...)
	return []shellBody{
		{"multipart upload", mpType, mp},
		{"multipart text fields", w.FormDataContentType(), textOnly.Bytes()},
		{"text like options", "text/plain", []byte("--verbose -X DELETE")},
		{"binary after a dash", "application/octet-stream", []byte("-\x00-")},
		{"a lone dash", "text/plain", []byte("-")},
		{"a lone plus", "text/plain", []byte("+x")},
		{"at sign", "text/plain", []byte("@/etc/passwd")},
		{"percent text", "text/plain", []byte("100% %s %d %% %n %b")},
		{"percent binary", "application/octet-stream", []byte("%s\x00%n%%\x01")},
		{"backslashes", "text/plain", []byte(`C:\new\table\0\x41\c \\ \`)},
		{"backslashes binary", "application/octet-stream", []byte("\\c\\0\x00\\101\r")},
		{"only NUL", "application/octet-stream", []byte("\x00\x00")},
		{"octal neighbours", "application/octet-stream", []byte("\x00123\x017\x0289")},
		{"invalid UTF-8", "text/plain; charset=iso-8859-1", []byte("caf\xe9 \xff\xfe\xc3")},
		{"CRLF lines", "text/plain", []byte("a\r\nb\r\n\r\n")},
		{"lone CR", "text/plain", []byte("\r")},
		{"tabs and newlines", "text/plain", []byte("\ta\tb\n\n")},
		{"newline only", "text/plain", []byte("\n")},
		{"shell syntax", "text/plain", []byte("it's \"$HOME\" $(id) `id` !! \\! ${x:-y} ~ * ? [a] {b,c} # ; & | > <")},
		{"unicode", "text/plain; charset=utf-8", []byte("✓ naïve — 日本語 \u00a0\u2028")},
		{"empty with a length", "text/plain", []byte{}},
		{"long text", "text/plain", long},
		{"long binary", "application/octet-stream", longBinary},
	}
}

// TestExportedBodiesInEveryShell runs each exported command, as the
// clipboard and siphon export give it, under dash, bash and zsh against an
// echo origin, which must receive the body byte for byte.
func TestExportedBodiesInEveryShell(t *testing.T) {
	o := newEchoOrigin(t, false)
	bodies := shellBodies(t)
	formats := []struct {
		name   string
		format Format
		opts   []ShellOptions
	}{
		{"curl", FormatCurl, []ShellOptions{{}, {BodyFile: "body.bin"}}},
		// One HTTPie run takes about a second: the file form, which no
		// shell quoting touches, is left to TestHTTPieReproducesRequests,
		// and outside dash HTTPie sends only the bodies in httpieEverywhere.
		{"httpie", FormatHTTPie, []ShellOptions{{}}},
	}
	for _, shell := range []string{"dash", "bash", "zsh"} {
		t.Run(shell, func(t *testing.T) {
			shellPath := testutil.NeedCommand(t, shell)
			for _, format := range formats {
				t.Run(format.name, func(t *testing.T) {
					if format.name == "httpie" {
						testutil.NeedCommand(t, "http")
					}
					for _, b := range bodies {
						if format.name == "httpie" && shell != "dash" && !httpieEverywhere[b.name] {
							continue
						}
						f := bodyFlow(o.URL+"/upload", b)
						for _, opts := range format.opts {
							c, err := exportedCommand(format.format, f, opts)
							if err != nil {
								t.Fatalf("%s: %v", b.name, err)
							}
							dir := t.TempDir()
							writeBodyFile(t, dir, c, "body.bin")
							runShellFile(t, shellPath, dir, c.Text)
							got := o.next(t)
							what := fmt.Sprintf("%s %s %s", b.name, format.name, opts.BodyFile)
							if !bytes.Equal(got.Body, b.data) {
								t.Errorf("%s: origin got %d bytes %q, want %d bytes %q\ncommand starts:\n%s",
									what, len(got.Body), clip(got.Body), len(b.data), clip(b.data), clip([]byte(c.Text)))
							}
							if cl := got.Header.Get("Content-Length"); cl != strconv.Itoa(len(b.data)) {
								t.Errorf("%s: Content-Length %q, want %d", what, cl, len(b.data))
							}
							if ct := got.Header.Get("Content-Type"); ct != b.contentType {
								t.Errorf("%s: Content-Type %q, want %q", what, ct, b.contentType)
							}
						}
					}
				})
			}
		})
	}
}

// exportedCommand is f's command as the TUI's c and x copy it (Export),
// or with a BodyFile as siphon export writes it.
func exportedCommand(format Format, f *session.Flow, opts ShellOptions) (*Command, error) {
	if opts.BodyFile == "" {
		text, err := Export(format, f)
		return &Command{Text: string(text)}, err
	}
	if format == FormatHTTPie {
		return HTTPieCommand(f, opts)
	}
	return CurlCommand(f, opts)
}

// bodyFlow is a captured POST of b to url.
func bodyFlow(url string, b shellBody) *session.Flow {
	return &session.Flow{State: session.Done, Kind: session.HTTP, Request: &session.Request{
		Method: "POST", URL: url, Proto: "HTTP/1.1",
		Header: http.Header{
			"Content-Type":    {b.contentType},
			"Content-Length":  {strconv.Itoa(len(b.data))},
			"User-Agent":      {"app/1.0"},
			"Accept":          {"*/*"},
			"Accept-Encoding": {"identity"},
		},
		Body: session.Body{Data: b.data, Size: int64(len(b.data))},
	}}
}

// runShellFile runs a command as a script file with a shell in dir, as a
// saved export is run, with stdin closed.
func runShellFile(t *testing.T, shell, dir, command string) {
	t.Helper()
	script := filepath.Join(dir, "command.sh")
	if err := os.WriteFile(script, []byte(command+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, shell, script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "NO_PROXY=*", "http_proxy=", "https_proxy=", "HTTP_PROXY=", "HTTPS_PROXY=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: running the exported command: %v\n%s\ncommand starts:\n%s", shell, err, out, clip([]byte(command)))
	}
}
