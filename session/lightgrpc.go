package session

import (
	"net/http"
	"slices"
)

// Light snapshots (light.go) also keep gRPC's status, grpc-status and
// grpc-message, from the headers (a Trailers-Only response) and the
// trailers: the flow list shows a call's status, and reading every row
// on screen back from the file to find it would cost a query per row and
// frame. Flows without these fields pay nothing: their headers stay the
// shared Content-Type maps and their trailers nil.

// lightStatusKeys are the fields kept besides Content-Type, in canonical
// form as net/http and the HAR reader store them.
var lightStatusKeys = [...]string{"Grpc-Status", "Grpc-Message"}

// isLightStatus reports whether a header name read from the file is one
// of lightStatusKeys.
func isLightStatus(k []byte) bool {
	for _, s := range lightStatusKeys {
		if string(k) == s {
			return true
		}
	}
	return false
}

// withStatus returns light, the light form of h, with h's gRPC status
// fields added: light itself when h has none. light is not modified.
func withStatus(light, h http.Header) http.Header {
	var out http.Header
	for _, k := range lightStatusKeys {
		vs, ok := h[k]
		if !ok {
			continue
		}
		if out == nil {
			out = make(http.Header, len(light)+len(lightStatusKeys))
			for lk, lv := range light {
				out[lk] = lv // shared Content-Type values: read only
			}
		}
		out[k] = slices.Clone(vs)
	}
	if out == nil {
		return light
	}
	return out
}

// lightTrailer returns what a light snapshot keeps of the trailers tr:
// their gRPC status fields, or nil when they have none.
func lightTrailer(tr http.Header) http.Header { return withStatus(nil, tr) }
