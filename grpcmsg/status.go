package grpcmsg

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/siphonproxy/siphon/session"
)

// Code is a gRPC status code.
type Code uint32

// The status codes of the gRPC spec.
const (
	OK                 Code = 0
	Canceled           Code = 1
	Unknown            Code = 2
	InvalidArgument    Code = 3
	DeadlineExceeded   Code = 4
	NotFound           Code = 5
	AlreadyExists      Code = 6
	PermissionDenied   Code = 7
	ResourceExhausted  Code = 8
	FailedPrecondition Code = 9
	Aborted            Code = 10
	OutOfRange         Code = 11
	Unimplemented      Code = 12
	Internal           Code = 13
	Unavailable        Code = 14
	DataLoss           Code = 15
	Unauthenticated    Code = 16
)

var codeNames = [...]string{
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
	"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
	"FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
	"INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
}

// String returns the code's name in the spec ("NOT_FOUND"), or "CODE(n)"
// for a code the spec does not define.
func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "CODE(" + strconv.FormatUint(uint64(c), 10) + ")"
}

// Status is the outcome of a gRPC call.
type Status struct {
	Code Code
	// Message is grpc-message, percent-decoded.
	Message string
	// Raw is grpc-status as sent, for a value that is not a number (then
	// Code is Unknown, as gRPC clients read it); "" otherwise.
	Raw string
}

// String returns the code's name, with the message after a colon when
// there is one: "NOT_FOUND: no such user".
func (s Status) String() string {
	out := s.Code.String()
	if s.Raw != "" {
		out += " (grpc-status " + strconv.Quote(s.Raw) + ")"
	}
	if s.Message != "" {
		out += ": " + s.Message
	}
	return out
}

// ParseStatus reads grpc-status and grpc-message from h. ok is false when
// h has no grpc-status.
func ParseStatus(h http.Header) (s Status, ok bool) {
	code, ok := headerValue(h, "Grpc-Status")
	if !ok {
		return Status{}, false
	}
	code = strings.TrimSpace(code)
	if n, err := strconv.ParseUint(code, 10, 32); err == nil {
		s.Code = Code(n)
	} else {
		s.Code, s.Raw = Unknown, code
	}
	msg, _ := headerValue(h, "Grpc-Message")
	s.Message = percentDecode(msg)
	return s, true
}

// headerValue is h.Get(key) that also finds a key stored in another
// letter case (HTTP/2 field names are lower case on the wire).
func headerValue(h http.Header, key string) (string, bool) {
	if v, ok := h[key]; ok && len(v) > 0 {
		return v[0], true
	}
	for k, v := range h {
		if len(v) > 0 && strings.EqualFold(k, key) {
			return v[0], true
		}
	}
	return "", false
}

// StatusOf returns the status of f's call: from the response's trailers,
// else from its headers (a Trailers-Only response, which the spec sends
// for calls that fail before any message), else, for gRPC-Web, from the
// trailer frame at the end of the body (which must be loaded). ok is false
// when f is not gRPC, has no response, or its status is not there (yet).
func StatusOf(f *session.Flow) (s Status, ok bool) {
	fr := FlowFraming(f)
	if fr == NotGRPC || f.Response == nil {
		return Status{}, false
	}
	r := f.Response
	if s, ok := ParseStatus(r.Trailer); ok {
		return s, true
	}
	if s, ok := ParseStatus(r.Header); ok {
		return s, true
	}
	if fr == Web || fr == WebText {
		// Only the trailer frame is needed: skip decompressing messages.
		return ParseStatus(splitSide(f, r.Header, r.Body, r.Text, false).Trailer)
	}
	return Status{}, false
}

// percentDecode undoes grpc-message's percent-encoding. As the spec asks,
// a malformed escape is kept as it is rather than failing the message.
func percentDecode(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
