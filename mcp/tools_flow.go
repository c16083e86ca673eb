package mcp

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/siphonproxy/siphon/session"
)

const (
	previewSize  = 4 << 10  // of each body in get_flow
	maxBodyChunk = 64 << 10 // of one get_body answer
)

// IDIn is the argument of tools that take one flow.
type IDIn struct {
	ID string `json:"id" jsonschema:"the flow's id (the id field of a list_flows row)"`
}

// FlowOut is get_flow's result.
type FlowOut struct {
	Row
	Source   string             `json:"source" jsonschema:"live, replay, mock or imported"`
	Client   Peer               `json:"client" jsonschema:"the client's connection to siphon"`
	Server   Peer               `json:"server" jsonschema:"siphon's connection to the origin"`
	Request  *Message           `json:"request,omitempty"`
	Original *Message           `json:"original_request,omitempty" jsonschema:"the request as the client sent it, when it was edited before being forwarded"`
	Response *Message           `json:"response,omitempty" jsonschema:"absent when the flow failed before a response"`
	Timings  map[string]float64 `json:"timings_ms" jsonschema:"HAR timing phases that happened, in milliseconds: blocked, dns, connect (includes TLS), ssl, send, wait, receive"`
	Stream   *Stream            `json:"stream,omitempty" jsonschema:"traffic of a tunnel or WebSocket"`
	Redacted bool               `json:"redacted" jsonschema:"redaction is on: credentials and secret fields, if any, are shown as [redacted …N chars]"`
}

// Stream counts a tunnel's or WebSocket's traffic.
type Stream struct {
	BytesUp    int64 `json:"bytes_up" jsonschema:"client to server"`
	BytesDown  int64 `json:"bytes_down" jsonschema:"server to client"`
	FramesUp   int64 `json:"frames_up" jsonschema:"WebSocket frames client to server"`
	FramesDown int64 `json:"frames_down" jsonschema:"WebSocket frames server to client"`
}

// Peer is one end of a connection.
type Peer struct {
	Addr       string `json:"addr,omitempty"`
	SNI        string `json:"sni,omitempty"`
	TLSVersion string `json:"tls_version,omitempty" jsonschema:"empty for plain HTTP"`
	ALPN       string `json:"alpn,omitempty"`
}

// Message is a request or response: its first line, headers and a preview
// of its body.
type Message struct {
	Line     string   `json:"line" jsonschema:"request line (METHOD URL PROTO) or status line (PROTO STATUS REASON)"`
	Headers  []Header `json:"headers" jsonschema:"headers by name, in the order each name's values came"`
	Trailers []Header `json:"trailers,omitempty"`
	Body     Preview  `json:"body"`
}

// Header is one header field.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Preview is the start of a body, decoded.
type Preview struct {
	Size               int64  `json:"size" jsonschema:"bytes on the wire (compressed if the message was)"`
	TruncatedAtCapture bool   `json:"truncated_at_capture" jsonschema:"siphon stored only the first bytes (the capture limit); the rest reached the client unrecorded"`
	DecodedSize        int    `json:"decoded_size" jsonschema:"bytes once Content-Encoding is undone"`
	Encoding           string `json:"encoding" jsonschema:"text (UTF-8) or base64 (binary)"`
	Preview            string `json:"preview" jsonschema:"the first 4 KiB of the decoded body"`
	More               bool   `json:"more" jsonschema:"the body goes on past the preview: read it with get_body"`
	DecodeError        string `json:"decode_error,omitempty" jsonschema:"why the body could not be decoded; the preview is then of the wire bytes"`
}

// BodyIn are get_body's arguments.
type BodyIn struct {
	ID      string `json:"id" jsonschema:"the flow's id"`
	Side    string `json:"side" jsonschema:"request or response"`
	Offset  int    `json:"offset,omitempty" jsonschema:"first byte to return; default 0"`
	Length  int    `json:"length,omitempty" jsonschema:"bytes to return, at most 65536; default 65536"`
	Decoded *bool  `json:"decoded,omitempty" jsonschema:"undo Content-Encoding (gzip, br...) first; default true"`
}

// BodyOut is get_body's result.
type BodyOut struct {
	ID                 string `json:"id"`
	Side               string `json:"side"`
	Offset             int    `json:"offset"`
	Length             int    `json:"length" jsonschema:"bytes in this chunk"`
	Total              int    `json:"total" jsonschema:"bytes in the whole body (decoded if decoded is true)"`
	NextOffset         int    `json:"next_offset,omitempty" jsonschema:"offset of the next chunk; absent after the last"`
	Encoding           string `json:"encoding" jsonschema:"text (the chunk is UTF-8) or base64"`
	Data               string `json:"data" jsonschema:"the chunk, as text or base64"`
	TruncatedAtCapture bool   `json:"truncated_at_capture" jsonschema:"siphon stored only the body's first bytes: the capture limit cut it"`
	WireSize           int64  `json:"wire_size" jsonschema:"the body's full size on the wire"`
	Redacted           bool   `json:"redacted" jsonschema:"secret fields in the body were replaced; such a body is served decoded even with decoded false"`
}

func (s *Server) addFlowTools(readOnly *sdk.ToolAnnotations) {
	sdk.AddTool(s.srv, &sdk.Tool{
		Name:        "get_flow",
		Description: "One flow in full: request and response lines and headers, timings, error and hint, TLS facts, source, comment, and the first 4 KiB of each body decoded.",
		Annotations: readOnly,
	}, s.getFlow)
	sdk.AddTool(s.srv, &sdk.Tool{
		Name:        "get_body",
		Description: "A chunk (up to 64 KiB) of a request or response body, decoded by default; text, or base64 for binary. Page with offset and next_offset.",
		Annotations: readOnly,
		InputSchema: schemaFor[BodyIn](func(p map[string]*jsonschema.Schema) {
			p["side"].Enum = []any{"request", "response"}
			p["offset"].Minimum = ptr(0.0)
			p["length"].Minimum, p["length"].Maximum = ptr(0.0), ptr(float64(maxBodyChunk))
		}),
	}, s.getBody)
}

func (s *Server) getFlow(ctx context.Context, _ *sdk.CallToolRequest, in IDIn) (*sdk.CallToolResult, FlowOut, error) {
	st, release, err := s.acquire()
	if err != nil {
		return nil, FlowOut{}, err
	}
	defer release()
	f, err := getFlow(st, in.ID)
	if err != nil {
		return nil, FlowOut{}, err
	}
	return nil, s.flowOut(f), nil
}

// flowOut is the full view of f (bodies loaded), redacted unless configured
// otherwise.
func (s *Server) flowOut(f *session.Flow) FlowOut {
	f = s.view(f)
	out := FlowOut{Row: RowOf(f), Source: f.Source.String(), Redacted: !s.cfg.NoRedact,
		Client:  Peer(f.Client),
		Server:  Peer(f.Server),
		Timings: map[string]float64{}}
	if f.Err != nil {
		out.Error.Hint = f.Err.Hint
	}
	if f.Request != nil {
		out.Request = s.requestMessage(f.Request)
	}
	if f.Original != nil {
		out.Original = s.requestMessage(f.Original)
	}
	if r := f.Response; r != nil {
		line := strings.TrimSpace(fmt.Sprintf("%s %d %s", r.Proto, r.Status, r.Reason))
		out.Response = &Message{Line: line, Headers: headerList(r.Header), Trailers: headerList(r.Trailer), Body: preview(r.Header, r.Body)}
	}
	if st := f.Stream; st != nil {
		out.Stream = &Stream{BytesUp: st.BytesUp, BytesDown: st.BytesDown, FramesUp: st.FramesUp, FramesDown: st.FramesDown}
	}
	ph := f.Timings.HARPhases()
	for name, p := range map[string]session.Phase{"blocked": ph.Blocked, "dns": ph.DNS, "connect": ph.Connect,
		"ssl": ph.SSL, "send": ph.Send, "wait": ph.Wait, "receive": ph.Receive} {
		if p.Happened() {
			out.Timings[name] = float64(session.Span(p.Start, p.End).Microseconds()) / 1000
		}
	}
	return out
}

func (s *Server) requestMessage(r *session.Request) *Message {
	return &Message{Line: r.Method + " " + r.URL + " " + r.Proto, Headers: headerList(r.Header),
		Trailers: headerList(r.Trailer), Body: preview(r.Header, r.Body)}
}

// headerList orders h by name, keeping the order of each name's values.
func headerList(h http.Header) []Header {
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	slices.Sort(names)
	out := []Header{}
	for _, n := range names {
		for _, v := range h[n] {
			out = append(out, Header{Name: n, Value: v})
		}
	}
	return out
}

// decodedBody is b with its Content-Encoding undone, or the wire bytes
// and the reason when that fails.
func decodedBody(h http.Header, b session.Body) ([]byte, error) {
	data, err := b.Decode(session.ContentEncoding(h))
	if err != nil {
		return b.Data, err
	}
	return data, nil
}

func preview(h http.Header, b session.Body) Preview {
	data, err := decodedBody(h, b)
	p := Preview{Size: b.Size, TruncatedAtCapture: b.Truncated, DecodedSize: len(data)}
	if err != nil {
		p.DecodeError = err.Error()
	}
	chunk := data[:min(len(data), previewSize)]
	p.More = len(chunk) < len(data)
	p.Encoding, p.Preview = encodeChunk(chunk, p.More)
	return p
}

// encodeChunk returns chunk as text when it is UTF-8 without NUL bytes,
// else as base64. When cut is set the chunk ends mid-body, and a character
// split at its end is left out of the text rather than making it binary.
func encodeChunk(chunk []byte, cut bool) (encoding, data string) {
	text := chunk
	for i := 0; cut && i < 3 && len(text) > 0 && !utf8.Valid(text); i++ {
		text = text[:len(text)-1]
	}
	if utf8.Valid(text) && !slices.Contains(text, 0) {
		return "text", string(text)
	}
	return "base64", base64.StdEncoding.EncodeToString(chunk)
}

func (s *Server) getBody(ctx context.Context, _ *sdk.CallToolRequest, in BodyIn) (*sdk.CallToolResult, BodyOut, error) {
	if in.Side != "request" && in.Side != "response" {
		return nil, BodyOut{}, fmt.Errorf(`bad side %q: "request" or "response"`, in.Side)
	}
	if in.Offset < 0 {
		return nil, BodyOut{}, fmt.Errorf("bad offset %d: must be 0 or more", in.Offset)
	}
	switch {
	case in.Length == 0:
		in.Length = maxBodyChunk
	case in.Length < 0 || in.Length > maxBodyChunk:
		return nil, BodyOut{}, fmt.Errorf("bad length %d: from 1 to %d; read longer bodies in chunks with offset", in.Length, maxBodyChunk)
	}
	st, release, err := s.acquire()
	if err != nil {
		return nil, BodyOut{}, err
	}
	defer release()
	f, err := getFlow(st, in.ID)
	if err != nil {
		return nil, BodyOut{}, err
	}
	redacted := s.view(f)
	var h http.Header
	var b, orig session.Body
	switch {
	case in.Side == "request" && redacted.Request != nil:
		h, b, orig = redacted.Request.Header, redacted.Request.Body, f.Request.Body
	case in.Side == "response" && redacted.Response != nil:
		h, b, orig = redacted.Response.Header, redacted.Response.Body, f.Response.Body
	case in.Side == "response":
		return nil, BodyOut{}, fmt.Errorf("flow %s has no response (state %s): nothing to read", in.ID, f.State)
	default:
		return nil, BodyOut{}, fmt.Errorf("flow %s has no request", in.ID)
	}
	data := b.Data
	if in.Decoded == nil || *in.Decoded {
		if data, err = b.Decode(h.Get("Content-Encoding")); err != nil {
			return nil, BodyOut{}, fmt.Errorf("decode the %s body of flow %s: %v; read it with decoded: false", in.Side, in.ID, err)
		}
	}
	if in.Offset > len(data) {
		return nil, BodyOut{}, fmt.Errorf("bad offset %d: the %s body has %d bytes", in.Offset, in.Side, len(data))
	}
	chunk := data[in.Offset:min(len(data), in.Offset+in.Length)]
	out := BodyOut{ID: f.ID, Side: in.Side, Offset: in.Offset, Length: len(chunk), Total: len(data),
		TruncatedAtCapture: b.Truncated, WireSize: orig.Size, Redacted: !bytes.Equal(b.Data, orig.Data)}
	if next := in.Offset + len(chunk); next < len(data) {
		out.NextOffset = next
	}
	// A chunk is text only when its bytes are whole characters, so that
	// chunks reassemble byte for byte.
	if utf8.Valid(chunk) && !slices.Contains(chunk, 0) {
		out.Encoding, out.Data = "text", string(chunk)
	} else {
		out.Encoding, out.Data = "base64", base64.StdEncoding.EncodeToString(chunk)
	}
	return nil, out, nil
}
