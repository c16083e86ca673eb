package mitm

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"syscall"

	"github.com/google/martian/v3"
	"github.com/siphonproxy/siphon/session"
)

// tracedTransport records each round trip's timings and turns failures into
// flow errors and a 502 that names the cause: martian would otherwise turn
// them into an anonymous 502 with a Warning header.
type tracedTransport struct {
	base *http.Transport
	p    *Proxy
}

func (t *tracedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := recordOf(req)
	if rec == nil {
		res, err := t.base.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		return settleAfter(req, res), nil
	}
	up, watch := t.p.watchClient(req)
	var (
		ctx = up
		res *http.Response
		err error
	)
	if t.p.h1Eligible(req) {
		res, err = t.p.h1.roundTrip(ctx, req, rec)
	} else {
		ctx = httptrace.WithClientTrace(up, rec.trace())
		res, err = t.base.RoundTrip(req.WithContext(ctx))
	}
	watch.end()
	if err == nil && errors.Is(context.Cause(ctx), errClientGone) {
		// The response raced the hang-up: Go's transport returns one that
		// arrives while it cancels the request (a TLS origin answers the
		// close_notify it sends then). Nobody is left to receive it.
		res.Body.Close()
		err = errClientGone
	}
	if err != nil {
		if b := bodyOf(req); b != nil {
			// Before the 502, so that it can say Connection: close when
			// the rest of the body cannot be read (see modifyResponse).
			b.settle()
		}
		e := classify(err, req.URL.Host)
		switch {
		case errors.Is(context.Cause(ctx), errClientGone):
			e = &session.Error{Phase: session.PhaseClient, Msg: "the client closed the connection while siphon waited for " + req.URL.Host}
		case t.p.cfg.UpstreamTimeout > 0 && isHeaderTimeout(err):
			e = &session.Error{Phase: session.PhaseUpstream,
				Msg:  fmt.Sprintf("%s sent no response within %v", req.URL.Host, t.p.cfg.UpstreamTimeout),
				Hint: fmt.Sprintf("--upstream-timeout is %v: raise it, or set it to 0 to wait as long as the client does", t.p.cfg.UpstreamTimeout)}
		}
		rec.finish(e)
		return errorResponse(req, e), nil
	}
	return settleAfter(req, res), nil
}

// isHeaderTimeout reports whether err is the transport's
// ResponseHeaderTimeout passing; its error type is not exported.
func isHeaderTimeout(err error) bool {
	return isTimeout(err) && strings.Contains(err.Error(), "timeout awaiting response headers")
}

func (r *record) trace() *httptrace.ClientTrace {
	// Each hook is one closure over r; the setters capture nothing, so
	// they cost no allocation of their own.
	return &httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) { r.stamp(func(t *session.Timings, n session.Stamp) { t.DNSStart = n }) },
		DNSDone:  func(httptrace.DNSDoneInfo) { r.stamp(func(t *session.Timings, n session.Stamp) { t.DNSDone = n }) },
		ConnectStart: func(string, string) {
			r.stamp(func(t *session.Timings, n session.Stamp) { t.ConnectStart = n })
		},
		ConnectDone: func(string, string, error) {
			r.stamp(func(t *session.Timings, n session.Stamp) { t.ConnectDone = n })
		},
		TLSHandshakeStart: func() { r.stamp(func(t *session.Timings, n session.Stamp) { t.TLSStart = n }) },
		TLSHandshakeDone: func(tls.ConnectionState, error) {
			r.stamp(func(t *session.Timings, n session.Stamp) { t.TLSDone = n })
		},
		GotConn:              func(info httptrace.GotConnInfo) { r.gotConn(info.Conn.RemoteAddr().String()) },
		WroteRequest:         func(httptrace.WroteRequestInfo) { r.stampRequestSent() },
		GotFirstResponseByte: r.stampFirstByte,
	}
}

// gotConn notes the address of the origin connection the request goes
// on.
func (r *record) gotConn(addr string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.f.Server.Addr = addr
}

func (r *record) stampRequestSent() {
	r.stamp(func(t *session.Timings, n session.Stamp) { t.RequestSent = n })
}

func (r *record) stampFirstByte() {
	r.stamp(func(t *session.Timings, n session.Stamp) { t.FirstByte = n })
}

// stamp sets one of the flow's timings to now, without publishing (see
// touch).
func (r *record) stamp(set func(t *session.Timings, now session.Stamp)) {
	now := session.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	set(&r.f.Timings, now)
}

// classify turns a round-trip error into a flow error a person can act on.
func classify(err error, host string) *session.Error {
	msg := err.Error()
	var (
		dnsErr  *net.DNSError
		unknown x509.UnknownAuthorityError
		hostErr x509.HostnameError
		invalid x509.CertificateInvalidError
		verify  *tls.CertificateVerificationError
		recErr  tls.RecordHeaderError
		opErr   *net.OpError
	)
	switch {
	case errors.As(err, &dnsErr):
		return &session.Error{Phase: session.PhaseDial, Msg: "DNS lookup failed for " + dnsErr.Name + ": " + dnsErr.Err,
			Hint: "check the host name, or the machine's DNS settings"}
	case errors.As(err, &unknown):
		return upstreamTLS(host, "certificate signed by an unknown authority")
	case errors.As(err, &hostErr):
		return upstreamTLS(host, "certificate is not valid for "+hostErr.Host)
	case errors.As(err, &invalid):
		return upstreamTLS(host, "certificate is invalid: "+invalid.Error())
	case errors.As(err, &verify):
		return upstreamTLS(host, "certificate verification failed: "+verify.Err.Error())
	case errors.As(err, &recErr):
		return &session.Error{Phase: session.PhaseUpstreamTLS, Msg: host + " does not speak TLS",
			Hint: "the server may be plain HTTP: use http:// in the URL"}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &session.Error{Phase: session.PhaseDial, Msg: "connection refused by " + host,
			Hint: "nothing listens on that port: is the server running?"}
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		phase := session.PhaseUpstream
		if errors.As(err, &opErr) && opErr.Op == "dial" {
			phase = session.PhaseDial
		}
		return &session.Error{Phase: phase, Msg: "timed out waiting for " + host + ": " + msg,
			Hint: "the server is slow or unreachable"}
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return &session.Error{Phase: session.PhaseDial, Msg: "cannot connect to " + host + ": " + opErr.Err.Error()}
	case strings.Contains(msg, "tls:"):
		return upstreamTLS(host, msg)
	}
	return &session.Error{Phase: session.PhaseUpstream, Msg: msg}
}

func upstreamTLS(host, why string) *session.Error {
	return &session.Error{
		Phase: session.PhaseUpstreamTLS,
		Msg:   "upstream " + host + ": " + why,
		Hint:  "pass --upstream-ca FILE to trust the server's CA, or --insecure to skip verification",
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// errorResponse is what the client of a failed flow receives.
func errorResponse(req *http.Request, e *session.Error) *http.Response {
	body := "siphon: " + e.Msg + "\n"
	if e.Hint != "" {
		body += "hint: " + e.Hint + "\n"
	}
	return textResponse(req, http.StatusBadGateway, body)
}

func textResponse(req *http.Request, status int, body string) *http.Response {
	h := http.Header{}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return &http.Response{
		StatusCode:    status,
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader([]byte(body))),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

const recordKey = "siphon.record"

// recordCtxKey carries the record of a request martian did not read (an
// HTTP/2 stream's) in the request's context.
type recordCtxKey struct{}

func recordOf(req *http.Request) *record {
	if r, ok := req.Context().Value(recordCtxKey{}).(*record); ok {
		return r
	}
	ctx := martian.NewContext(req)
	if ctx == nil {
		return nil
	}
	v, _ := ctx.Get(recordKey)
	r, _ := v.(*record)
	return r
}
