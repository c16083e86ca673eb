package mitm

import (
	"net/http"
	"net/url"
	"strings"
)

// dropHTTP3AltSvc removes from h the Alt-Svc alternatives (RFC 7838) that
// advertise HTTP/3 or Google's QUIC: a browser told of one moves the
// origin to QUIC over UDP, out of siphon's sight. Other alternatives (h2
// on another port, "clear") stay; a field left empty goes. It runs on
// what the client gets, after the flow recorded the origin's response.
func dropHTTP3AltSvc(h http.Header) {
	values := h.Values("Alt-Svc")
	if len(values) == 0 {
		return
	}
	var kept []string
	changed := false
	for _, v := range values {
		var entries []string
		for _, e := range splitAltSvc(v) {
			if isQUIC(e) {
				changed = true
				continue
			}
			entries = append(entries, e)
		}
		if len(entries) > 0 {
			kept = append(kept, strings.Join(entries, ", "))
		}
	}
	switch {
	case !changed:
	case len(kept) == 0:
		h.Del("Alt-Svc")
	default:
		h["Alt-Svc"] = kept
	}
}

// isQUIC reports whether an Alt-Svc entry's protocol is HTTP/3 (h3, and
// drafts h3-29 and the like) or QUIC before it (quic, hq-*).
func isQUIC(entry string) bool {
	id, _, ok := strings.Cut(entry, "=")
	if !ok {
		return false // "clear"
	}
	id = strings.TrimSpace(id)
	if dec, err := url.PathUnescape(id); err == nil { // ALPN ids are percent-encoded
		id = dec
	}
	id = strings.ToLower(id)
	return id == "h3" || strings.HasPrefix(id, "h3-") || id == "quic" || strings.HasPrefix(id, "hq")
}

// splitAltSvc splits an Alt-Svc value into its entries, at commas outside
// quoted strings, each trimmed.
func splitAltSvc(v string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			if quoted {
				i++
			}
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				if e := strings.TrimSpace(v[start:i]); e != "" {
					out = append(out, e)
				}
				start = i + 1
			}
		}
	}
	if e := strings.TrimSpace(v[start:]); e != "" {
		out = append(out, e)
	}
	return out
}
