package grpcmsg

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/siphonproxy/siphon/session"
)

// maxCallText bounds the text Decode renders for one side of a call; the
// messages past it are listed without their text.
const maxCallText = 8 << 20

// Call is a gRPC call as a flow records it, decoded for display.
type Call struct {
	Framing         Framing
	Service, Method string // from the URL path; "" when it names none
	// Request and Response are nil when the flow has no such side.
	Request, Response *Messages
	Status            Status
	HasStatus         bool // the call's status is known (see StatusOf)
}

// Messages are one side of a call: its split body and each message
// decoded.
type Messages struct {
	*Body
	// Type is the messages' type when the Types given to Decode know the
	// method; nil otherwise.
	Type protoreflect.MessageDescriptor
	// Decoded has one entry for each of Body.Messages.
	Decoded []Decoded
}

// Decoded is one message rendered.
type Decoded struct {
	// Text is the message without a schema (see Text); for a codec other
	// than proto (application/grpc+json), the message itself when it is
	// text. Empty for messages past the text budget of the side.
	Text string
	// JSON is the message with field names, when the side has a Type.
	JSON string
	// JSONErr says why JSON is empty though the side has a Type (the
	// message does not fit the schema).
	JSONErr error
	// Unknown says the message has fields its Type does not name.
	Unknown bool
}

// Decode returns the gRPC call f records with its messages decoded, or
// nil when f is not gRPC. t, which may be nil, gives field names. f's
// bodies must be loaded (Store.Get).
func Decode(f *session.Flow, t *Types) *Call {
	fr := FlowFraming(f)
	if fr == NotGRPC {
		return nil
	}
	c := &Call{Framing: fr}
	c.Service, c.Method, _ = FlowMethod(f)
	c.Status, c.HasStatus = StatusOf(f)
	if b := SplitRequest(f); b != nil {
		c.Request = decodeSide(b, t, t.MessageType(c.Service, c.Method, false))
	}
	if b := SplitResponse(f); b != nil {
		c.Response = decodeSide(b, t, t.MessageType(c.Service, c.Method, true))
		if !c.HasStatus {
			c.Status, c.HasStatus = ParseStatus(b.Trailer)
		}
	}
	return c
}

func decodeSide(b *Body, t *Types, md protoreflect.MessageDescriptor) *Messages {
	m := &Messages{Body: b, Type: md, Decoded: make([]Decoded, len(b.Messages))}
	proto := b.Codec == "proto"
	budget := maxCallText
	for i, msg := range b.Messages {
		if msg.Err != nil || budget <= 0 {
			continue
		}
		d := &m.Decoded[i]
		switch {
		case proto:
			d.Text = string(AppendText(nil, msg.Data, min(MaxText, budget)))
		case isText(msg.Data):
			d.Text = string(msg.Data[:min(len(msg.Data), budget)])
		default:
			d.Text = hexValue(msg.Data)
		}
		budget -= len(d.Text)
		if md != nil && proto {
			js, unknown, err := t.JSON(md, msg.Data)
			d.JSON, d.Unknown, d.JSONErr = string(js), unknown, err
			budget -= len(js)
		}
	}
	return m
}

// Format renders the side for reading: each message under a "# message
// N" line saying its size and compression, as JSON when it has one (with
// a note when fields are unknown) and as Text otherwise; then the cut
// message, the omitted ones, the split's error, and gRPC-Web's trailer
// frame, each on "#" lines.
func (m *Messages) Format() string {
	if m == nil {
		return ""
	}
	var b strings.Builder
	for i, msg := range m.Messages {
		d := m.Decoded[i]
		fmt.Fprintf(&b, "# message %d: %d bytes", i+1, len(msg.Data))
		if msg.Compressed {
			fmt.Fprintf(&b, " (%s, %d on the wire)", orIdentity(m.Encoding), msg.WireSize)
		}
		if m.Type != nil {
			fmt.Fprintf(&b, " %s", m.Type.FullName())
		}
		b.WriteByte('\n')
		switch {
		case msg.Err != nil:
			fmt.Fprintf(&b, "# %v\n%s\n", msg.Err, hexValue(msg.Data))
			continue
		case d.JSON != "":
			b.WriteString(d.JSON)
			b.WriteByte('\n')
			if d.Unknown {
				b.WriteString("# fields the descriptor set does not name, without a schema:\n")
				b.WriteString(d.Text)
			}
			continue
		case d.JSONErr != nil:
			fmt.Fprintf(&b, "# %v; without a schema:\n", d.JSONErr)
		case d.Text == "" && len(msg.Data) > 0:
			b.WriteString("# not shown: the text of this side is past its limit\n")
		}
		b.WriteString(d.Text)
		if d.Text != "" && !strings.HasSuffix(d.Text, "\n") {
			b.WriteByte('\n')
		}
	}
	if m.Omitted > 0 {
		fmt.Fprintf(&b, "# %d more messages not shown (at most %d are)\n", m.Omitted, MaxMessages)
	}
	if m.Cut != nil {
		fmt.Fprintf(&b, "# %s\n", m.Cut)
	}
	if m.Err != nil {
		fmt.Fprintf(&b, "# %v\n", m.Err)
	}
	if m.Trailer != nil {
		b.WriteString("# trailer frame\n")
		writeHeader(&b, m.Trailer)
	}
	return b.String()
}

func orIdentity(enc string) string {
	if enc == "" {
		return "identity"
	}
	return enc
}

// writeHeader writes h's lines sorted by name, names in lower case as
// gRPC writes them.
func writeHeader(b *strings.Builder, h http.Header) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		for _, v := range h[k] {
			q := strconv.Quote(v) // keeps a hostile value on its line
			b.WriteString(strings.ToLower(k) + ": " + q[1:len(q)-1] + "\n")
		}
	}
}

// EachText calls fn with the rendering of each message of b that
// decompressed, as a filter searches it: the schemaless Text, then the
// JSON when md is not nil, until fn returns false. The slice passed to fn
// is reused: fn must not keep it.
func (b *Body) EachText(t *Types, md protoreflect.MessageDescriptor, fn func(text []byte) bool) {
	if b == nil {
		return
	}
	var buf []byte
	for _, m := range b.Messages {
		if m.Err != nil {
			continue
		}
		if b.Codec != "proto" {
			// application/grpc+json and the like: the message is the text.
			if isText(m.Data) && !fn(m.Data) {
				return
			}
			continue
		}
		buf = AppendText(buf[:0], m.Data, MaxText)
		if !fn(buf) {
			return
		}
		if md != nil {
			if js, _, err := t.JSON(md, m.Data); err == nil && !fn(js) {
				return
			}
		}
	}
}
