package mitm

import (
	"bytes"
	"net"
	"net/http"
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

// certPage serves the CA certificate (never its key) at http://siphon.cert/.
func (p *Proxy) certPage(req *http.Request) *http.Response {
	return p.page.Response(req)
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
