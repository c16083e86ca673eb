package wsmsg

import (
	"fmt"
	"strconv"
	"strings"
)

// Extensions are the WebSocket extensions a server accepted.
type Extensions struct {
	// Deflate holds the permessage-deflate parameters, nil when it was not
	// negotiated.
	Deflate *Deflate
	// Other is set when the server accepted an extension siphon does not
	// know: reserved bits are then not protocol errors, and messages with
	// RSV1 set (without permessage-deflate) are kept as they are, noted.
	Other bool
}

// Deflate are the negotiated parameters of permessage-deflate (RFC 7692
// section 7.1). Window bits are 8 to 15; 15 when not given.
type Deflate struct {
	ServerNoContextTakeover bool
	ClientNoContextTakeover bool
	ServerMaxWindowBits     int
	ClientMaxWindowBits     int
}

// ParseExtensions reads the Sec-WebSocket-Extensions header values of the
// server's 101 response. A malformed permessage-deflate offer is an error
// (the handshake should have failed); the extensions are then unknown, so
// the returned Extensions have Other set.
func ParseExtensions(values ...string) (Extensions, error) {
	var ext Extensions
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			params := strings.Split(item, ";")
			name := strings.ToLower(strings.TrimSpace(params[0]))
			switch name {
			case "":
				continue
			case "permessage-deflate":
			default:
				ext.Other = true
				continue
			}
			d, err := parseDeflate(params[1:])
			if err != nil {
				return Extensions{Other: true}, fmt.Errorf("parse Sec-WebSocket-Extensions %q: %w", v, err)
			}
			ext.Deflate = d
		}
	}
	return ext, nil
}

func parseDeflate(params []string) (*Deflate, error) {
	d := &Deflate{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	for _, p := range params {
		k, v, hasValue := strings.Cut(strings.TrimSpace(p), "=")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.Trim(strings.TrimSpace(v), `"`)
		switch k {
		case "server_no_context_takeover":
			d.ServerNoContextTakeover = true
		case "client_no_context_takeover":
			d.ClientNoContextTakeover = true
		case "server_max_window_bits", "client_max_window_bits":
			bits := 15
			if hasValue {
				n, err := strconv.Atoi(v)
				if err != nil || n < 8 || n > 15 {
					return nil, fmt.Errorf("permessage-deflate: %s=%q, want 8 to 15", k, v)
				}
				bits = n
			}
			if k == "server_max_window_bits" {
				d.ServerMaxWindowBits = bits
			} else {
				d.ClientMaxWindowBits = bits
			}
		case "":
		default:
			return nil, fmt.Errorf("permessage-deflate: unknown parameter %q", k)
		}
	}
	return d, nil
}
