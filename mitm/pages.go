package mitm

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/siphonproxy/siphon/session"
)

// CertHost is the magic host that serves siphon's CA through the proxy.
const CertHost = "siphon.cert"

func isCertHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	return strings.EqualFold(host, CertHost)
}

const certIndex = `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>siphon CA</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:2em auto">
<h1>siphon certificate authority</h1>
<p>Install this certificate and trust it to let siphon show this device's HTTPS traffic.</p>
<ul>
<li><a href="/siphon-ca.pem">siphon-ca.pem</a> (PEM: macOS, Linux, Firefox)</li>
<li><a href="/siphon-ca.cer">siphon-ca.cer</a> (DER: Android, iOS, Windows)</li>
</ul>
<p>iOS: after installing the profile, enable full trust in Settings → General → About → Certificate Trust Settings.
Android: Settings → Security → Encryption &amp; credentials → Install a certificate → CA certificate.</p>
</body></html>
`

// certPage serves the CA certificate (never its key) at http://siphon.cert/.
func (p *Proxy) certPage(req *http.Request) *http.Response {
	ca := p.cfg.Minter.CA()
	var body []byte
	var ctype string
	switch strings.TrimSuffix(req.URL.Path, "/") {
	case "":
		body, ctype = []byte(certIndex), "text/html; charset=utf-8"
	case "/siphon-ca.pem":
		body, ctype = ca.PEM(), "application/x-pem-file"
	case "/siphon-ca.cer", "/siphon-ca.crt", "/siphon-ca.der":
		body, ctype = ca.DER(), "application/x-x509-ca-cert"
	default:
		return textResponse(req, http.StatusNotFound, "siphon: no such file; see http://siphon.cert/\n")
	}
	res := textResponse(req, http.StatusOK, "")
	res.Header.Set("Content-Type", ctype)
	res.Header.Set("Content-Length", strconv.Itoa(len(body)))
	res.Header.Set("Cache-Control", "no-store")
	res.Body, res.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	return res
}

// infoPage answers requests addressed to siphon itself instead of
// forwarding them back into the proxy.
func (p *Proxy) infoPage(req *http.Request) *http.Response {
	return textResponse(req, http.StatusOK,
		"This is siphon, a debugging proxy. Configure it as your HTTP and HTTPS proxy;\n"+
			"get its CA certificate at http://siphon.cert/ through the proxy.\n")
}

// recordClientFailure records a request siphon could not read as a flow.
func (p *Proxy) recordClientFailure(st *connState, head []byte, msg string) {
	line, _, _ := bytes.Cut(head, []byte("\n"))
	if len(line) > 200 {
		line = line[:200]
	}
	now := session.Now()
	f := st.newFlow(session.HTTP, &session.Request{
		Method: "?", URL: strings.ToValidUTF8(strings.TrimSpace(string(line)), "?"), Header: http.Header{},
		Body: session.Body{Data: head, Size: int64(len(head))},
	}, now)
	f.State, f.Timings.Complete = session.Failed, now
	f.Err = &session.Error{Phase: session.PhaseClient, Msg: msg, Hint: "the client sent something that is not an HTTP/1.1 request"}
	p.cfg.Recorder.Add(f)
}
