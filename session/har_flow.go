package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// flowOfEntry converts a HAR entry to a flow (Source Imported). Entries
// siphon wrote come back as they were; entries of other tools get what HAR
// says, with timings rebuilt from the phases.
func flowOfEntry(e *harEntry) (*Flow, error) {
	if e.Request == nil {
		return nil, errors.New("no request")
	}
	x := e.Siphon
	if x == nil {
		x = &harSiphon{}
	}
	f := &Flow{
		ID:       x.ID,
		Source:   Imported,
		Kind:     Kind(enumIndex(kindNames[:], x.Kind, uint8(HTTP))),
		Marked:   x.Marked,
		Comment:  e.Comment,
		Listener: x.Listener,
	}
	var err error
	if f.Request, err = requestOfHAR(e.Request, e.Siphon != nil); err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	if x.Original != nil {
		if f.Original, err = requestOfHAR(x.Original, true); err != nil {
			return nil, fmt.Errorf("_siphon.original: %w", err)
		}
	}
	if f.Response, err = responseOfHAR(&e.Response, e.Siphon != nil); err != nil {
		return nil, fmt.Errorf("response: %w", err)
	}
	if x.Client != nil {
		f.Client = Peer(*x.Client)
	}
	switch {
	case x.Server != nil:
		f.Server = Peer(*x.Server)
	case e.ServerIPAddress != "":
		f.Server.Addr = serverAddr(e.ServerIPAddress, f.Request.URL)
	}
	chrome := chromeFailure(e.Response.Error)
	if chrome == "" {
		chrome = chromeFailure(e.Error)
	}
	switch {
	case x.Error != nil:
		f.Err = &Error{Phase: x.Error.Phase, Msg: x.Error.Msg, Hint: x.Error.Hint}
	case chrome != "":
		// Chrome failed the request, with or without a response (one
		// cancelled after its headers keeps them).
		f.Err = chromeError(chrome)
	case f.Response == nil && e.Siphon == nil:
		// Another tool's entry without a response (siphon's own say what
		// they are in _siphon): a request that failed or was blocked.
		f.Err = noResponseError()
	}
	f.State = Done
	if f.Err != nil {
		f.State = Failed
	}
	if x.State != "" {
		f.State = State(enumIndex(stateNames[:], x.State, uint8(f.State)))
	}
	if s := x.Stream; s != nil {
		f.Stream = s.stats()
	}
	if x.Timings != nil {
		f.Timings = timingsFromRecord(x.Timings)
	} else if f.Timings, err = timingsOfHAR(e); err != nil {
		return nil, err
	}
	return f, nil
}

// noResponseError is the error of an entry that has no response and no
// reason: Firefox and others write status 0 and nothing more, for requests
// that failed, were blocked (by an extension, CORS, mixed content) or were
// cancelled.
func noResponseError() *Error {
	return &Error{Phase: PhaseUpstream, Msg: "no response recorded (status 0)",
		Hint: "the tool that wrote the HAR file saw no answer: the request failed, was blocked or was cancelled"}
}

// chromeFailure is the reason in an "_error", where Chrome's DevTools
// write why a request failed (its localizedFailDescription, a net error
// name such as net::ERR_NAME_NOT_RESOLVED): the response's, or in older
// exports the entry's. "" for null, nothing, or a shape that is not a
// string.
func chromeFailure(raw json.RawMessage) string {
	var msg string
	if len(raw) == 0 || json.Unmarshal(raw, &msg) != nil {
		return ""
	}
	return strings.TrimSpace(msg)
}

// chromeError is the flow error of a Chrome net error name, in the phase
// its family belongs to (Chromium's net/base/net_error_list.h).
func chromeError(name string) *Error {
	code := strings.TrimPrefix(name, "net::")
	e := &Error{Phase: PhaseUpstream, Msg: name, Hint: "Chrome's reason: the connection or the answer failed"}
	switch {
	case strings.HasPrefix(code, "ERR_NAME_") || strings.HasPrefix(code, "ERR_DNS_") ||
		slices.Contains([]string{"ERR_CONNECTION_REFUSED", "ERR_CONNECTION_TIMED_OUT", "ERR_CONNECTION_FAILED",
			"ERR_ADDRESS_UNREACHABLE", "ERR_ADDRESS_INVALID", "ERR_INTERNET_DISCONNECTED",
			"ERR_PROXY_CONNECTION_FAILED", "ERR_TUNNEL_CONNECTION_FAILED"}, code):
		e.Phase, e.Hint = PhaseDial, "Chrome's reason: the server could not be found or reached"
	case strings.HasPrefix(code, "ERR_CERT_") || strings.Contains(code, "SSL"):
		e.Phase, e.Hint = PhaseUpstreamTLS, "Chrome's reason: the TLS handshake or the server's certificate failed"
	case code == "ERR_ABORTED" || strings.HasPrefix(code, "ERR_BLOCKED_BY_"):
		e.Phase, e.Hint = PhaseClient, "Chrome's reason: the browser cancelled or blocked the request (navigation, extension, policy)"
	}
	return e
}

func enumIndex(names []string, name string, def uint8) uint8 {
	for i, n := range names {
		if n == name {
			return uint8(i)
		}
	}
	return def
}

func requestOfHAR(r *harRequest, ours bool) (*Request, error) {
	q := &Request{Method: r.Method, URL: r.URL, Proto: r.HTTPVersion, Header: headerOfHAR(r.Headers),
		Trailer: trailerOfHAR(r.Trailers)}
	if rest, ok := strings.CutPrefix(q.URL, "https://"); ok && q.Method == http.MethodConnect &&
		rest != "" && !strings.Contains(rest, "/") {
		q.URL = rest // siphon writes a CONNECT's host:port as an https URL
	}
	if p := r.PostData; p != nil {
		text := p.Text
		if text == "" && len(p.Params) > 0 {
			// Some tools give a form's fields instead of its text.
			v := make([]string, 0, len(p.Params))
			for _, kv := range p.Params {
				v = append(v, url.QueryEscape(kv.Name)+"="+url.QueryEscape(kv.Value))
			}
			text = strings.Join(v, "&")
		}
		enc := p.Encoding
		if enc == "" {
			enc = p.Encoding2
		}
		b, err := bodyOfHAR(&text, enc, p.harWire, r.BodySize, q.Header, ours)
		if err != nil {
			return nil, fmt.Errorf("postData: %w", err)
		}
		q.Body = b
	} else if ours && r.BodySize > 0 {
		q.Body = Body{Size: sizeOf(r.BodySize)}
	}
	return q, nil
}

func responseOfHAR(r *harResponse, ours bool) (*Response, error) {
	if f := float64(r.Status); f != math.Trunc(f) {
		// 0.1 would become a response with status 0, which the next
		// export writes as "no response".
		return nil, fmt.Errorf("status %v is not an HTTP status", f)
	}
	if r.Status <= 0 {
		return nil, nil // the request failed before a response
	}
	if r.Status > 999 {
		return nil, fmt.Errorf("status %v is not an HTTP status", float64(r.Status))
	}
	p := &Response{Status: int(r.Status), Reason: r.StatusText, Proto: r.HTTPVersion, Header: headerOfHAR(r.Headers),
		Trailer: trailerOfHAR(r.Trailers)}
	c := &r.Content
	full := r.BodySize
	if !ours {
		// Browsers write the transferred size (0 from cache) in bodySize
		// and the decoded size in content.size.
		full = max(full, c.Size)
	}
	b, err := bodyOfHAR(c.Text, c.Encoding, c.harWire, full, p.Header, ours)
	if err != nil {
		return nil, fmt.Errorf("content: %w", err)
	}
	p.Body = b
	return p, nil
}

// headerOfHAR builds a header from HAR's list. HTTP/2 pseudo-headers
// (":authority" and friends, as Chrome lists them) restate the method and
// URL and are left out.
func headerOfHAR(list []harNV) http.Header {
	h := http.Header{}
	for _, nv := range list {
		if nv.Name == "" || nv.Name[0] == ':' {
			continue
		}
		h.Add(nv.Name, nv.Value)
	}
	return h
}

// trailerOfHAR builds trailers from "_trailers" as headerOfHAR builds a
// header: nil when there are none.
func trailerOfHAR(list []harNV) http.Header {
	if h := headerOfHAR(list); len(h) > 0 {
		return h
	}
	return nil
}

// serverAddr joins HAR's serverIPAddress (which Chrome writes with IPv6
// brackets) with the URL's port.
func serverAddr(ip, rawURL string) string {
	ip = strings.Trim(ip, "[]")
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return ip
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" || u.Scheme == "wss" {
			port = "443"
		}
	}
	return net.JoinHostPort(ip, port)
}
