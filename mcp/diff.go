package mcp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/siphonproxy/siphon/session"
)

// DiffIn are diff_flows' arguments.
type DiffIn struct {
	A string `json:"a" jsonschema:"id of the first flow"`
	B string `json:"b" jsonschema:"id of the second flow"`
}

// DiffOut is diff_flows' result.
type DiffOut struct {
	Diff  string `json:"diff" jsonschema:"unified diff from a to b; empty when they are the same"`
	Same  bool   `json:"same" jsonschema:"true when nothing compared differs"`
	Title string `json:"title" jsonschema:"the two flows"`
}

func (s *Server) addDiffTool(readOnly *sdk.ToolAnnotations) {
	sdk.AddTool(s.srv, &sdk.Tool{
		Name: "diff_flows",
		Description: "Compare two flows as a unified diff: request line, headers (as sorted sets), decoded bodies (JSON pretty-printed first), " +
			"then status line, response headers and body. Useful for a request that works against one that fails.",
		Annotations: readOnly,
	}, s.diffFlows)
}

func (s *Server) diffFlows(ctx context.Context, _ *sdk.CallToolRequest, in DiffIn) (*sdk.CallToolResult, DiffOut, error) {
	st, release, err := s.acquire()
	if err != nil {
		return nil, DiffOut{}, err
	}
	defer release()
	a, err := getFlow(st, in.A)
	if err != nil {
		return nil, DiffOut{}, fmt.Errorf("a: %w", err)
	}
	b, err := getFlow(st, in.B)
	if err != nil {
		return nil, DiffOut{}, fmt.Errorf("b: %w", err)
	}
	la, lb := fmt.Sprintf("a/#%d", a.Seq), fmt.Sprintf("b/#%d", b.Seq)
	d := udiff.Unified(la, lb, s.diffText(a), s.diffText(b))
	return nil, DiffOut{Diff: d, Same: d == "", Title: la + " " + a.ID + " vs " + lb + " " + b.ID}, nil
}

// diffText lays a flow out for comparison, one fact a line.
func (s *Server) diffText(f *session.Flow) string {
	f = s.view(f)
	var b strings.Builder
	if r := f.Request; r != nil {
		fmt.Fprintf(&b, "%s %s %s\n", r.Method, r.URL, r.Proto)
		writeHeaders(&b, r.Header)
		writeBody(&b, r.Header, r.Body)
	}
	switch {
	case f.Response != nil:
		r := f.Response
		fmt.Fprintf(&b, "\n%s %d %s\n", r.Proto, r.Status, r.Reason)
		writeHeaders(&b, r.Header)
		writeBody(&b, r.Header, r.Body)
	case f.Err != nil:
		fmt.Fprintf(&b, "\nerror %s: %s\n", f.Err.Phase, f.Err.Msg)
	}
	return b.String()
}

func writeHeaders(b *strings.Builder, h http.Header) {
	for _, hd := range headerList(h) {
		fmt.Fprintf(b, "%s: %s\n", hd.Name, hd.Value)
	}
}

func writeBody(b *strings.Builder, h http.Header, body session.Body) {
	data, _ := decodedBody(h, body)
	if len(data) == 0 {
		return
	}
	b.WriteString("\n")
	var pretty bytes.Buffer
	if json.Indent(&pretty, data, "", "  ") == nil {
		data = pretty.Bytes()
	}
	enc, text := encodeChunk(data, false)
	if enc == "base64" {
		fmt.Fprintf(b, "(binary body, %d bytes, sha256 %x)\n", len(data), sha256.Sum256(data))
		return
	}
	b.WriteString(text)
	if !strings.HasSuffix(text, "\n") {
		b.WriteString("\n")
	}
	if body.Truncated {
		b.WriteString("(truncated at capture)\n")
	}
}
