package grpcmsg

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/siphonproxy/siphon/session"
)

// Framing is how a body carries gRPC messages, as its Content-Type says.
type Framing uint8

// Framings.
const (
	NotGRPC Framing = iota
	GRPC            // application/grpc, application/grpc+proto, ...
	Web             // application/grpc-web, application/grpc-web+proto
	WebText         // application/grpc-web-text: Web framing in base64
)

var framingNames = [...]string{"", "grpc", "grpc-web", "grpc-web-text"}

// String returns "grpc", "grpc-web", "grpc-web-text", or "" for NotGRPC.
func (fr Framing) String() string {
	if int(fr) < len(framingNames) {
		return framingNames[fr]
	}
	return "?"
}

// FramingOf reads a Content-Type value; parameters and letter case do not
// matter.
func FramingOf(contentType string) Framing {
	mt := mediaType(contentType)
	switch {
	case isType(mt, "application/grpc"):
		return GRPC
	case isType(mt, "application/grpc-web-text"):
		return WebText
	case isType(mt, "application/grpc-web"):
		return Web
	}
	return NotGRPC
}

// isType reports whether mt is base or base+codec.
func isType(mt, base string) bool {
	return mt == base || strings.HasPrefix(mt, base+"+")
}

func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// Codec returns the message codec a gRPC Content-Type names after its
// "+": "proto" when it names none, as the gRPC spec says.
func Codec(contentType string) string {
	mt := mediaType(contentType)
	if i := strings.IndexByte(mt, '+'); i >= 0 && mt[i+1:] != "" {
		return mt[i+1:]
	}
	return "proto"
}

// FlowFraming is the framing of f's call: the request's Content-Type, or
// the response's when the request's is not gRPC. Only Content-Type is
// read, so it works on a Store's light snapshots.
func FlowFraming(f *session.Flow) Framing {
	if f == nil {
		return NotGRPC
	}
	if f.Request != nil {
		if fr := FramingOf(contentType(f.Request.Header)); fr != NotGRPC {
			return fr
		}
	}
	if f.Response != nil {
		return FramingOf(contentType(f.Response.Header))
	}
	return NotGRPC
}

// IsGRPC reports whether f is a gRPC or gRPC-Web call.
func IsGRPC(f *session.Flow) bool { return FlowFraming(f) != NotGRPC }

func contentType(h http.Header) string {
	if v := h["Content-Type"]; len(v) > 0 { // canonical key: as h.Get, faster
		return v[0]
	}
	return ""
}

// ParseMethod returns the service and method named by a gRPC URL path,
// "/package.Service/Method": the last two segments of the path of rawURL
// (an absolute URL or a path), so a gateway's prefix ("/api/pkg.Svc/Get")
// does not hide them. ok is false when the path has no such pair.
func ParseMethod(rawURL string) (service, method string, ok bool) {
	path := rawURL
	if u, err := url.Parse(rawURL); err == nil {
		path = u.Path
	}
	path = strings.TrimSuffix(path, "/")
	i := strings.LastIndexByte(path, '/')
	if i <= 0 {
		return "", "", false
	}
	method, path = path[i+1:], path[:i]
	service = path[strings.LastIndexByte(path, '/')+1:]
	if service == "" || method == "" {
		return "", "", false
	}
	return service, method, true
}

// FlowMethod returns the service and method of f's call, from its URL.
func FlowMethod(f *session.Flow) (service, method string, ok bool) {
	if f == nil || f.Request == nil {
		return "", "", false
	}
	return ParseMethod(f.Request.URL)
}
