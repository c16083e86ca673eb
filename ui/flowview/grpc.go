package flowview

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/siphonproxy/siphon/grpcmsg"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/style"
)

func (v *Model) grpcLines(*session.Flow) []string { return v.bodyLines(partGRPC) }

// renderGRPC is the gRPC tab of a call: its method, status and framing,
// then each side's messages in order as grpcmsg formats them (JSON with
// field names when the types know the method and the view mode is auto,
// else protobuf without a schema), with the notes on compression, cut
// and omitted messages. It runs off the event loop: decoding a large
// stream takes a while.
func renderGRPC(ctx context.Context, f *session.Flow, in renderInput, p *progress) []string {
	st := in.st
	p.set("decoding the gRPC messages", 0, 0)
	types := in.types
	if in.mode != ModeAuto {
		types = nil // raw and hex show the wire's field numbers
	}
	c := grpcmsg.Decode(f, types)
	if c == nil {
		return []string{st.Muted.Render("not a gRPC call")}
	}
	row := func(name, value string) string { return st.Key.Render(style.Cell(name, 9)) + value }
	method := st.Muted.Render("(the path names no service and method)")
	if c.Service != "" {
		method = style.Printable(c.Service + "/" + c.Method)
	}
	lines := []string{row("method", method), row("status", grpcStatusText(c, f, st)), row("framing", framingText(c))}
	for _, side := range []struct {
		name string
		m    *grpcmsg.Messages
	}{{"request", c.Request}, {"response", c.Response}} {
		if ctx.Err() != nil {
			return lines
		}
		lines = append(lines, "", st.Title.Render(side.name+messageCount(side.m)))
		switch {
		case side.m == nil && side.name == "response" && f.Err == nil:
			lines = append(lines, st.Pending.Render("waiting for the response…"))
			continue
		case side.m == nil:
			lines = append(lines, st.Muted.Render("(none)"))
			continue
		}
		lines = append(lines, formatLines(side.m.Format(), st)...)
	}
	return lines
}

// grpcStatusText is the call's status by name and number, with its
// message; or why there is none.
func grpcStatusText(c *grpcmsg.Call, f *session.Flow, st style.Styles) string {
	switch {
	case c.HasStatus && c.Status.Code == grpcmsg.OK:
		return st.Status(200).Render(style.Printable(fmt.Sprintf("%s (0)", c.Status)))
	case c.HasStatus:
		s := c.Status
		text := fmt.Sprintf("%s (%d)", s.Code, s.Code)
		if s.Raw != "" {
			text = s.Code.String() + fmt.Sprintf(" (grpc-status %q)", s.Raw)
		}
		if s.Message != "" {
			text += ": " + s.Message
		}
		return st.Error.Render(style.Printable(style.CapText(text, headerCap)))
	case f.Err != nil:
		return st.Error.Render("none: the call failed (" + style.Printable(f.Err.Phase) + ")")
	case f.State == session.Done:
		return st.Warning.Render("none: the call ended without grpc-status")
	}
	return st.Pending.Render("the call has not ended…")
}

// framingText says how the messages travel: framing, codec, compression.
func framingText(c *grpcmsg.Call) string {
	parts := []string{c.Framing.String()}
	for _, m := range []*grpcmsg.Messages{c.Request, c.Response} {
		if m == nil {
			continue
		}
		for _, p := range []string{m.Codec, m.Encoding} {
			if p != "" && !slices.Contains(parts, p) {
				parts = append(parts, p)
			}
		}
	}
	return style.Printable(strings.Join(parts, " · "))
}

func messageCount(m *grpcmsg.Messages) string {
	if m == nil {
		return ""
	}
	n := len(m.Messages) + m.Omitted
	if n == 1 {
		return " · 1 message"
	}
	return " · " + style.Count(n, "message")
}

// formatLines styles grpcmsg's text of one side: its "#" lines are notes,
// the rest the messages. The text is cut at textCap, as a body's is.
func formatLines(text string, st style.Styles) []string {
	var out []string
	if len(text) > textCap {
		cut := strings.LastIndexByte(text[:textCap], '\n')
		if cut < 0 {
			cut = textCap - 1 // one line longer than the cap: CapText marks it
		}
		out = append(out, st.Warning.Render(fmt.Sprintf("showing the first %s of %s of text",
			style.FormatSize(int64(cut+1)), style.FormatSize(int64(len(text))))))
		text = text[:cut+1]
	}
	for line := range strings.SplitSeq(strings.TrimSuffix(text, "\n"), "\n") {
		line = style.Printable(style.CapText(line, lineCap))
		if strings.HasPrefix(line, "#") {
			line = st.Muted.Render(line)
		}
		out = append(out, line)
	}
	return out
}
