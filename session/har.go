package session

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
)

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) as siphon
// writes and reads it. These structs are the file format, kept apart from
// Flow like flowRecord is. Fields the spec marks optional are omitted when
// empty; siphon's own data lives under the custom "_siphon" key of each
// entry (custom fields must start with an underscore), so that other tools
// read the file as plain HAR and siphon reads its own files back losslessly.

// HARVersion is the HAR version siphon writes.
const HARVersion = "1.2"

type harLog struct {
	Version string      `json:"version"`
	Creator harCreator  `json:"creator"`
	Browser *harCreator `json:"browser,omitempty"`
	Pages   []harPage   `json:"pages,omitempty"`
	Entries []harEntry  `json:"entries"`
	Comment string      `json:"comment,omitempty"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Comment string `json:"comment,omitempty"`
}

type harPage struct {
	StartedDateTime string `json:"startedDateTime"`
	ID              string `json:"id"`
	Title           string `json:"title"`
	PageTimings     struct {
		OnContentLoad *harNum `json:"onContentLoad,omitempty"`
		OnLoad        *harNum `json:"onLoad,omitempty"`
	} `json:"pageTimings"`
}

type harEntry struct {
	Pageref         string      `json:"pageref,omitempty"`
	StartedDateTime string      `json:"startedDateTime"`
	Time            harNum      `json:"time"`
	Request         *harRequest `json:"request"`
	Response        harResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         harTimings  `json:"timings"`
	ServerIPAddress string      `json:"serverIPAddress,omitempty"`
	Comment         string      `json:"comment,omitempty"`
	Siphon          *harSiphon  `json:"_siphon,omitempty"`
	// Error is a failed request's reason where older exports (and tools
	// copying them) put it, on the entry; Chrome's DevTools write it in
	// response._error, which wins. Read, never written; raw as that one.
	Error json.RawMessage `json:"_error,omitempty"`
	// ResourceType is Chrome's kind of request; siphon writes "websocket"
	// for WebSocket flows, as Chrome does, and reads it to know one.
	ResourceType string `json:"_resourceType,omitempty"`
	// WebSocketMessages are a WebSocket flow's messages, where and as
	// Chrome writes them (har_messages.go).
	WebSocketMessages []harMessage `json:"_webSocketMessages,omitempty"`
}

type harRequest struct {
	Method      string       `json:"method"`
	URL         string       `json:"url"`
	HTTPVersion string       `json:"httpVersion"`
	Cookies     harCookies   `json:"cookies"`
	Headers     []harNV      `json:"headers"`
	QueryString []harNV      `json:"queryString"`
	PostData    *harPostData `json:"postData,omitempty"`
	HeadersSize harNum       `json:"headersSize"`
	BodySize    harNum       `json:"bodySize"`
	Comment     string       `json:"comment,omitempty"`
	Trailers    []harNV      `json:"_trailers,omitempty"` // see harResponse
}

type harResponse struct {
	Status      harNum     `json:"status"`
	StatusText  string     `json:"statusText"`
	HTTPVersion string     `json:"httpVersion"`
	Cookies     harCookies `json:"cookies"`
	Headers     []harNV    `json:"headers"`
	Content     harContent `json:"content"`
	RedirectURL string     `json:"redirectURL"`
	HeadersSize harNum     `json:"headersSize"`
	BodySize    harNum     `json:"bodySize"`
	Comment     string     `json:"comment,omitempty"`
	// Trailers are the fields sent after the body (gRPC's grpc-status,
	// HTTP/1.1 chunked trailers), which HAR 1.2 has no place for; left
	// out when there are none.
	Trailers []harNV `json:"_trailers,omitempty"`
	// Error is Chrome's reason for a failed request, a net error name
	// (net::ERR_CONNECTION_REFUSED), or null: DevTools writes it here, in
	// the response. Read, never written. Raw, so that another shape loses
	// only this field.
	Error json.RawMessage `json:"_error,omitempty"`
}

type harNV struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	Comment string `json:"comment,omitempty"`
}

// harCookies are written for other tools; siphon reads cookies from the
// headers, so on reading they are skipped whatever their shape.
type harCookies []harCookie

func (c *harCookies) UnmarshalJSON([]byte) error { return nil }

type harCookie struct {
	Name     string  `json:"name"`
	Value    string  `json:"value"`
	Path     string  `json:"path,omitempty"`
	Domain   string  `json:"domain,omitempty"`
	Expires  *string `json:"expires,omitempty"`
	HTTPOnly bool    `json:"httpOnly,omitempty"`
	Secure   bool    `json:"secure,omitempty"`
}

// harPostData is a request body. HAR 1.2 gives it no "encoding", so a
// binary body is base64 with the custom "_encoding"; "encoding" is read
// too, as some tools write it.
type harPostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
	Params   []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"params,omitempty"`
	Encoding  string `json:"_encoding,omitempty"`
	Encoding2 string `json:"encoding,omitempty"`
	harWire
}

type harContent struct {
	Size        harNum  `json:"size"`
	Compression *harNum `json:"compression,omitempty"`
	MimeType    string  `json:"mimeType"`
	Text        *string `json:"text,omitempty"`
	Encoding    string  `json:"encoding,omitempty"`
	harWire
}

// harWire carries what HAR's decoded text cannot: the bytes as they went
// over the wire when a Content-Encoding compressed them, and whether the
// capture was cut at the body limit.
type harWire struct {
	Wire      string `json:"_wire,omitempty"` // base64
	Truncated bool   `json:"_truncated,omitempty"`
}

// harTimings are milliseconds; -1 means the phase did not happen. send,
// wait and receive are required and never -1 in what siphon writes.
type harTimings struct {
	Blocked harNum  `json:"blocked"`
	DNS     harNum  `json:"dns"`
	Connect harNum  `json:"connect"`
	Send    harNum  `json:"send"`
	Wait    harNum  `json:"wait"`
	Receive harNum  `json:"receive"`
	SSL     harNum  `json:"ssl"`
	Comment *string `json:"comment,omitempty"`
}

// harSiphon is everything of a Flow that HAR has no field for. Times are
// exact (Unix nanoseconds), so a re-imported flow equals the exported one.
type harSiphon struct {
	ID       string         `json:"id,omitempty"`
	State    string         `json:"state,omitempty"`
	Source   string         `json:"source,omitempty"`
	Kind     string         `json:"kind,omitempty"`
	Client   *peerRecord    `json:"client,omitempty"`
	Server   *peerRecord    `json:"server,omitempty"`
	Error    *errorRecord   `json:"error,omitempty"`
	Marked   bool           `json:"marked,omitempty"`
	Listener string         `json:"listener,omitempty"`
	Original *harRequest    `json:"original,omitempty"`
	Stream   *streamRecord  `json:"stream,omitempty"`
	Timings  *timingsRecord `json:"timings,omitempty"`
}

// harNum is a JSON number that tools write inconsistently: integers or
// floats, sometimes null or a numeric string. Anything unreadable counts as
// -1 ("unknown") rather than failing a whole file.
type harNum float64

func (n harNum) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		f = -1
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.AppendInt(nil, int64(f), 10), nil
	}
	return strconv.AppendFloat(nil, f, 'f', -1, 64), nil
}

func (n *harNum) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		f = -1
	}
	*n = harNum(f)
	return nil
}

// ms converts a duration in nanoseconds to HAR milliseconds.
func ms(ns int64) harNum { return harNum(float64(ns) / 1e6) }
