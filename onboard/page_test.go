package onboard

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/siphonproxy/siphon/certs"
)

// newPage returns a Page for a new CA in a temporary directory.
func newPage(t *testing.T) (*Page, *certs.CA) {
	t.Helper()
	ca, err := certs.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(ca)
	if err != nil {
		t.Fatal(err)
	}
	return p, ca
}

// get fetches path from srv with a User-Agent, failing the test on error.
func get(t *testing.T, srv *httptest.Server, method, path, ua string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", ua)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return res, body
}

// details is one <details> section of the page as a browser sees it.
type details struct {
	id   string
	open bool
	text string
}

// parsePage parses the page, failing the test when it references anything
// outside itself or the page's own downloads, and returns its sections in
// order and its links.
func parsePage(t *testing.T, page []byte) (sections []*details, links []string) {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatalf("page is not HTML: %v", err)
	}
	var walk func(n *html.Node, in *details)
	walk = func(n *html.Node, in *details) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "link", "img", "iframe", "object", "embed", "form":
				t.Errorf("page has a <%s> element: it must work alone and without JS", n.Data)
			case "details":
				d := &details{}
				for _, a := range n.Attr {
					switch a.Key {
					case "id":
						d.id = a.Val
					case "open":
						d.open = true
					}
				}
				sections = append(sections, d)
				in = d
			}
			for _, a := range n.Attr {
				switch {
				case strings.HasPrefix(a.Key, "on"):
					t.Errorf("<%s %s>: no scripts on the page", n.Data, a.Key)
				case a.Key == "src":
					t.Errorf("<%s src=%q>: nothing fetched from elsewhere", n.Data, a.Val)
				case a.Key == "href":
					if !strings.HasPrefix(a.Val, "/") || strings.HasPrefix(a.Val, "//") {
						t.Errorf("link %q leaves the page's own host", a.Val)
					}
					links = append(links, a.Val)
				}
			}
		}
		if n.Type == html.TextNode && in != nil {
			in.text += n.Data
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, in)
		}
	}
	walk(doc, nil)
	return sections, links
}

// TestPagePlatformFirst checks the section order and which sections are
// open for each kind of visitor, and the key phrases of the first one.
func TestPagePlatformFirst(t *testing.T) {
	p, ca := newPage(t)
	srv := httptest.NewServer(p)
	defer srv.Close()
	for _, tc := range []struct {
		name, ua string
		open     []string // the sections shown unfolded, first on the page
		phrases  []string // in the first section
	}{
		{"iPhone", uaIPhone, []string{"ios"}, []string{"siphon-ca.mobileconfig", "Install",
			"Settings › General › About › Certificate Trust Settings", ca.Certificate().Subject.CommonName}},
		{"Android", uaAndroid, []string{"android"}, []string{"CA certificate", "Android 7", "network_security_config.xml",
			`<certificates src="user" />`, "debug-overrides", "/system/etc/security/cacerts/" + ca.AndroidFileName(),
			"/apex/com.android.conscrypt/cacerts", "nsenter --mount=/proc/$pid/ns/mnt", "Android 14", "adb root"}},
		{"macOS", uaMacSafari, []string{"macos"}, []string{"Keychain Access", "security add-trusted-cert"}},
		{"Windows", uaWindowsEdge, []string{"windows"}, []string{"certutil -addstore -f Root siphon-ca.cer", "MMC"}},
		{"Linux", uaLinuxChrome, []string{"linux"}, []string{"update-ca-certificates", "update-ca-trust", "certutil -d sql:$HOME/.pki/nssdb"}},
		{"Firefox on Linux", uaFirefoxLinux, []string{"firefox", "linux"}, []string{"security.enterprise_roots.enabled", "Import"}},
		{"curl", uaCurl, nil, []string{"Certificate Trust Settings"}},
	} {
		res, body := get(t, srv, http.MethodGet, "/", tc.ua)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("%s: %s %q", tc.name, res.Status, res.Header.Get("Content-Type"))
		}
		sections, _ := parsePage(t, body)
		var ids, open []string
		for _, s := range sections {
			ids = append(ids, s.id)
			if s.open {
				open = append(open, s.id)
			}
		}
		want := order(Detect(tc.ua))
		if !slices.Equal(ids, strings.Split(joinPlatforms(want), ",")) {
			t.Errorf("%s: sections %v, want %v", tc.name, ids, want)
		}
		if !slices.Equal(open, tc.open) || (len(tc.open) > 0 && !slices.Equal(ids[:len(tc.open)], tc.open)) {
			t.Errorf("%s: open sections %v of %v, want %v first and open", tc.name, open, ids, tc.open)
		}
		for _, phrase := range tc.phrases {
			if !strings.Contains(sections[0].text, phrase) {
				t.Errorf("%s: the first section (%s) lacks %q", tc.name, sections[0].id, phrase)
			}
		}
	}
}

func joinPlatforms(ps []Platform) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ",")
}

// TestDownloads follows every link on the page and checks what it gets.
func TestDownloads(t *testing.T) {
	p, ca := newPage(t)
	srv := httptest.NewServer(p)
	defer srv.Close()
	_, page := get(t, srv, http.MethodGet, "/", uaAndroid)
	_, links := parsePage(t, page)
	want := map[string]struct {
		ctype string
		data  []byte
	}{
		"/siphon-ca.pem":           {"application/x-pem-file", ca.PEM()},
		"/siphon-ca.cer":           {"application/x-x509-ca-cert", ca.DER()},
		"/siphon-ca.mobileconfig":  {"application/x-apple-aspen-config", ca.MobileConfig()},
		"/" + ca.AndroidFileName(): {"application/octet-stream", ca.AndroidSystemFile()},
		"/siphon-ca.crt":           {"application/x-x509-ca-cert", ca.DER()}, // the old page's names
		"/siphon-ca.der":           {"application/x-x509-ca-cert", ca.DER()},
	}
	for _, l := range links {
		if _, ok := want[l]; !ok {
			t.Errorf("the page links %s, which is no download", l)
		}
	}
	for _, path := range p.Paths() {
		if !slices.Contains(links, path) {
			t.Errorf("the page does not link %s", path)
		}
	}
	for path, w := range want {
		res, body := get(t, srv, http.MethodGet, path, uaIPhone)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != w.ctype || !bytes.Equal(body, w.data) {
			t.Errorf("GET %s: %s %q, %d bytes; want 200 %q and the CA (%d bytes)",
				path, res.Status, res.Header.Get("Content-Type"), len(body), w.ctype, len(w.data))
		}
		res, body = get(t, srv, http.MethodHead, path, uaIPhone)
		if res.StatusCode != http.StatusOK || res.ContentLength != int64(len(w.data)) || len(body) != 0 {
			t.Errorf("HEAD %s: %s, length %d, %d body bytes", path, res.Status, res.ContentLength, len(body))
		}
	}
	res, _ := get(t, srv, http.MethodGet, "/"+ca.AndroidFileName(), uaLinuxChrome)
	if got := res.Header.Get("Content-Disposition"); got != `attachment; filename="`+ca.AndroidFileName()+`"` {
		t.Errorf("Android file: Content-Disposition %q", got)
	}
	if res, _ := get(t, srv, http.MethodGet, "/nothing", uaCurl); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nothing: %s, want 404", res.Status)
	}
	if res, body := get(t, srv, http.MethodPost, PEMPath, uaCurl); res.StatusCode != http.StatusOK || !bytes.Equal(body, ca.PEM()) {
		t.Errorf("POST %s: %s, %d bytes; want the PEM", PEMPath, res.Status, len(body))
	}
}

// TestNeverServesKey asks for the page, every download and every name the
// key might be reached by, and scans each response for the key.
func TestNeverServesKey(t *testing.T) {
	p, ca := newPage(t)
	srv := httptest.NewServer(p)
	defer srv.Close()
	keyPEM, err := os.ReadFile(filepath.Join(filepath.Dir(ca.CertPath()), certs.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(keyPEM)
	b64 := base64.StdEncoding.EncodeToString(block.Bytes)
	secrets := [][]byte{keyPEM, block.Bytes, []byte(b64[:32]), []byte(b64[len(b64)-32:]), []byte("PRIVATE KEY")}
	paths := append(p.Paths(), "/", "/"+certs.KeyFile, "/ca-key.pem", "/../"+certs.KeyFile, "/siphon-ca-key.pem", "/key")
	for _, path := range paths {
		for _, ua := range []string{uaIPhone, uaAndroid, uaCurl} {
			res, body := get(t, srv, http.MethodGet, path, ua)
			var head bytes.Buffer
			res.Header.Write(&head)
			for _, s := range secrets {
				if bytes.Contains(body, s) || bytes.Contains(head.Bytes(), s) {
					t.Errorf("GET %s (%s) served the CA key", path, ua)
				}
			}
		}
	}
}

// TestResponseMatchesHandler checks that Response, for a proxy that writes
// responses itself, sends what ServeHTTP does, and survives the wire.
func TestResponseMatchesHandler(t *testing.T) {
	p, _ := newPage(t)
	for _, path := range append(p.Paths(), "/", "/nothing") {
		req := httptest.NewRequest(http.MethodGet, "http://siphon.cert"+path, nil)
		req.Header.Set("User-Agent", uaAndroid)
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)

		res := p.Response(req)
		var wire bytes.Buffer
		if err := res.Write(&wire); err != nil {
			t.Fatalf("%s: write response: %v", path, err)
		}
		got, err := http.ReadResponse(bufio.NewReader(&wire), req)
		if err != nil {
			t.Fatalf("%s: read response back: %v", path, err)
		}
		body, _ := io.ReadAll(got.Body)
		if got.StatusCode != rec.Code || !bytes.Equal(body, rec.Body.Bytes()) ||
			got.Header.Get("Content-Type") != rec.Header().Get("Content-Type") || got.ContentLength != int64(len(body)) {
			t.Errorf("%s: Response gave %d %q (%d bytes), ServeHTTP %d %q (%d bytes)", path,
				got.StatusCode, got.Header.Get("Content-Type"), len(body), rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len())
		}
	}
}

// TestPageShowsProxyAddress checks that a device that opened the page by
// siphon's address (the QR code's URL) is told that address, and one that
// came through the proxy is not told a made-up one.
func TestPageShowsProxyAddress(t *testing.T) {
	p, _ := newPage(t)
	for host, want := range map[string]string{
		"192.168.1.20:8080": "server <b>192.168.1.20</b>, port <b>8080</b>",
		"siphon.cert":       "",
		"[fe80::1]:8080":    "server <b>fe80::1</b>, port <b>8080</b>",
	} {
		req := httptest.NewRequest(http.MethodGet, "http://"+host+"/", nil)
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		page := rec.Body.String()
		if want == "" && strings.Contains(page, "Proxy for this device") {
			t.Errorf("Host %s: the page names a proxy address", host)
		}
		if want != "" && !strings.Contains(page, want) {
			t.Errorf("Host %s: the page lacks %q", host, want)
		}
	}
}

// TestAndroidStepsUseSiphonsPort: the adb steps name the port the device
// reached siphon on, and PORT when it came through the proxy, never a
// made-up 8080.
func TestAndroidStepsUseSiphonsPort(t *testing.T) {
	p, _ := newPage(t)
	for host, want := range map[string]string{
		"192.168.1.20:38509": "adb reverse tcp:38509 tcp:38509",
		"siphon.cert":        "adb reverse tcp:PORT tcp:PORT",
	} {
		req := httptest.NewRequest(http.MethodGet, "http://"+host+"/", nil)
		req.Header.Set("User-Agent", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36")
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		if page := rec.Body.String(); !strings.Contains(page, want) || strings.Contains(page, "8080") {
			t.Errorf("Host %s: the page lacks %q or names 8080", host, want)
		}
	}
}
