// Package onboard provides siphon's certificate page: an HTML page with the
// steps that make each platform (iOS, Android, macOS, Windows, Linux,
// Firefox) trust siphon's CA, the ones for the visitor's platform first, and
// the CA certificate in every format those steps use. It serves the CA
// certificate only, never its key, so it may answer without proxy
// credentials. The page is plain HTML with no script and nothing fetched
// from elsewhere: a phone opens it before any proxy or trust is set up.
package onboard

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/siphonproxy/siphon/certs"
)

// Download paths, relative to the page's root.
const (
	PEMPath          = "/siphon-ca.pem"
	DERPath          = "/siphon-ca.cer"
	MobileConfigPath = "/siphon-ca.mobileconfig"
)

// Content types of the downloads: the ones that make iOS offer to install
// a profile and Android a certificate.
const (
	PEMType          = "application/x-pem-file"
	DERType          = "application/x-x509-ca-cert"
	MobileConfigType = "application/x-apple-aspen-config"
	// AndroidFileType is the Android system-store file's: a file for adb,
	// downloaded under its name rather than installed.
	AndroidFileType = "application/octet-stream"
)

// file is one download.
type file struct {
	data  []byte
	ctype string
	// attachment is the file name a browser must save it under, or "".
	attachment string
}

// Page serves the certificate page and the CA downloads. It is an
// http.Handler, and Response answers with an *http.Response for proxies
// that answer requests themselves. A Page is immutable and safe for
// concurrent use.
type Page struct {
	files map[string]file // by path
	view  pageView
	tmpl  *template.Template
}

// New returns the Page of ca. The downloads are made once, here.
func New(ca *certs.CA) (*Page, error) {
	tmpl, err := template.New("page").Parse(pageHTML)
	if err != nil {
		return nil, fmt.Errorf("onboard: parse page template: %w", err)
	}
	android := "/" + ca.AndroidFileName()
	sum := sha256.Sum256(ca.Certificate().Raw)
	p := &Page{
		files: map[string]file{
			PEMPath:          {data: ca.PEM(), ctype: PEMType},
			DERPath:          {data: ca.DER(), ctype: DERType},
			MobileConfigPath: {data: ca.MobileConfig(), ctype: MobileConfigType},
			android:          {data: ca.AndroidSystemFile(), ctype: AndroidFileType, attachment: ca.AndroidFileName()},
		},
		view: pageView{
			Name:         ca.Certificate().Subject.CommonName,
			SHA256:       colonHex(sum[:]),
			NotAfter:     ca.Certificate().NotAfter.UTC().Format("2006-01-02"),
			PEM:          PEMPath,
			DER:          DERPath,
			MobileConfig: MobileConfigPath,
			AndroidFile:  android,
			AndroidName:  ca.AndroidFileName(),
		},
		tmpl: tmpl,
	}
	// Names earlier pages used, so links and notes from then still work.
	p.files["/siphon-ca.crt"] = p.files[DERPath]
	p.files["/siphon-ca.der"] = p.files[DERPath]
	return p, nil
}

// Paths returns the path of every download the page serves.
func (p *Page) Paths() []string {
	return []string{PEMPath, DERPath, MobileConfigPath, p.view.AndroidFile}
}

// ServeHTTP serves the page at "/" and the downloads at their paths, and
// 404 for any other path. The method does not matter (HEAD gets no body):
// the page changes nothing, and the proxy's answer to a request with a
// body is a page like any other.
func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	status, h, body := p.answer(r)
	for k, v := range h {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body) // a client that went away is no error of the page's
	}
}

// Response returns what ServeHTTP would send for req, as a complete
// HTTP/1.1 response with its body and Content-Length, and req as its
// Request. The caller closes the body.
func (p *Page) Response(req *http.Request) *http.Response {
	status, h, body := p.answer(req)
	return &http.Response{
		StatusCode:    status,
		Status:        strconv.Itoa(status) + " " + http.StatusText(status),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// answer returns the status, header and body for r.
func (p *Page) answer(r *http.Request) (int, http.Header, []byte) {
	h := http.Header{}
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	text := func(status int, msg string) (int, http.Header, []byte) {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(msg)))
		return status, h, []byte(msg)
	}
	var body []byte
	if path := r.URL.Path; path == "" || path == "/" {
		var buf bytes.Buffer
		if err := p.tmpl.Execute(&buf, p.viewFor(r)); err != nil {
			return text(http.StatusInternalServerError, "siphon: certificate page: "+err.Error()+"\n")
		}
		body = buf.Bytes()
		h.Set("Content-Type", "text/html; charset=utf-8")
		// Nothing from elsewhere, no script: the page must not depend on
		// what a phone without a working proxy cannot reach.
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	} else if f, ok := p.files[path]; ok {
		body = f.data
		h.Set("Content-Type", f.ctype)
		if f.attachment != "" {
			h.Set("Content-Disposition", `attachment; filename="`+f.attachment+`"`)
		}
	} else {
		return text(http.StatusNotFound, "siphon: no such file here; the certificate page is at /\n")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return http.StatusOK, h, body
}

// viewFor returns the page's data for r: the sections ordered for its
// User-Agent, and the proxy address when r reached siphon's listener by
// address (the QR code's URL) rather than through the proxy.
func (p *Page) viewFor(r *http.Request) pageView {
	v := p.view
	detected := Detect(r.UserAgent())
	for i, pl := range order(detected) {
		v.Sections = append(v.Sections, section{ID: string(pl), Title: pl.Title(), Open: i < len(detected)})
	}
	if host, port, err := net.SplitHostPort(r.Host); err == nil && net.ParseIP(host) != nil {
		v.ProxyHost, v.ProxyPort = host, port
	}
	return v
}

// colonHex formats b as upper-case hex bytes joined by colons, as
// certificate viewers show fingerprints.
func colonHex(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprintf("%02X", c)
	}
	return strings.Join(parts, ":")
}
