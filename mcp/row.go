package mcp

import (
	"time"

	"github.com/siphonproxy/siphon/session"
)

// Row is one flow as list_flows returns it, and as siphon dump --json
// prints it: one line of a flow list, with the id that the other tools take.
type Row struct {
	ID          string     `json:"id" jsonschema:"the flow's id, for get_flow, get_body, diff_flows, export_flow and siphon://flow/{id}"`
	Seq         int64      `json:"seq" jsonschema:"1-based order of arrival in the session"`
	Time        string     `json:"time" jsonschema:"when the flow started, RFC 3339 with nanoseconds"`
	State       string     `json:"state" jsonschema:"pending, intercepted (paused at a breakpoint), done or error"`
	Method      string     `json:"method" jsonschema:"request method"`
	URL         string     `json:"url" jsonschema:"absolute request URL"`
	Status      int        `json:"status,omitempty" jsonschema:"response status; absent without a response"`
	Error       *FlowError `json:"error,omitempty" jsonschema:"why the flow failed (transport, TLS, protocol, intercept), which is not an HTTP error status"`
	ContentType string     `json:"content_type" jsonschema:"media type of the response (or of the request without one)"`
	Size        int64      `json:"size" jsonschema:"response body size on the wire in bytes (for tunnels and WebSockets, bytes relayed both ways)"`
	DurationMS  float64    `json:"duration_ms" jsonschema:"milliseconds from request received to completion; 0 while pending"`
	Protocol    string     `json:"protocol" jsonschema:"the client's protocol: HTTP/1.1, HTTP/2.0, websocket or tunnel"`
	Marked      bool       `json:"marked" jsonschema:"marked by the user"`
	Comment     string     `json:"comment" jsonschema:"the user's comment"`
	Listener    string     `json:"listener,omitempty" jsonschema:"the siphon listener the client came in on, as MODE@PORT (regular@8080, socks5@1080, reverse:URL@8081; replay for siphon's own listener for replays); absent for imported flows"`
}

// FlowError is a flow's failure.
type FlowError struct {
	Phase   string `json:"phase" jsonschema:"client-tls, dial, upstream-tls, upstream, client, intercept or interrupted"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty" jsonschema:"what to do about it"`
}

// RowOf returns the row of f. Errors carry no hint in rows (get_flow has it).
func RowOf(f *session.Flow) Row {
	r := Row{
		ID:          f.ID,
		Seq:         f.Seq,
		Time:        stampString(f.Start()),
		State:       f.State.String(),
		ContentType: f.ContentType(),
		Size:        f.Size(),
		DurationMS:  float64(f.Duration()) / float64(time.Millisecond),
		Marked:      f.Marked,
		Comment:     f.Comment,
		Listener:    f.Listener,
	}
	if f.Request != nil {
		r.Method, r.URL, r.Protocol = f.Request.Method, f.Request.URL, f.Request.Proto
	}
	switch f.Kind {
	case session.Tunnel:
		r.Protocol = "tunnel"
	case session.WebSocket:
		r.Protocol = "websocket"
	}
	if f.Response != nil {
		r.Status = f.Response.Status
	}
	if f.Err != nil {
		r.Error = &FlowError{Phase: f.Err.Phase, Message: f.Err.Msg}
	}
	return r
}

func stampString(s session.Stamp) string {
	if s.IsZero() {
		return ""
	}
	return s.Time().UTC().Format(time.RFC3339Nano)
}
