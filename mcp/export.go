package mcp

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/siphonproxy/siphon/replay"
)

// ExportIn are export_flow's arguments.
type ExportIn struct {
	ID     string `json:"id" jsonschema:"the flow's id"`
	Format string `json:"format" jsonschema:"curl, httpie, raw (request and response as HTTP/1.1 text) or har"`
}

// ExportOut is export_flow's result.
type ExportOut struct {
	Format string `json:"format"`
	Text   string `json:"text" jsonschema:"the export, as siphon export writes it"`
}

func (s *Server) addExportTool(readOnly *sdk.ToolAnnotations) {
	sdk.AddTool(s.srv, &sdk.Tool{
		Name:        "export_flow",
		Description: "Export a flow as a curl or HTTPie command that reproduces the request, as raw HTTP, or as a HAR 1.2 document (what siphon export writes). Redacted values stay redacted.",
		Annotations: readOnly,
		InputSchema: schemaFor[ExportIn](func(p map[string]*jsonschema.Schema) {
			p["format"].Enum = []any{"curl", "httpie", "raw", "har"}
		}),
	}, s.exportFlow)
}

func (s *Server) exportFlow(ctx context.Context, _ *sdk.CallToolRequest, in ExportIn) (*sdk.CallToolResult, ExportOut, error) {
	format := strings.ToLower(in.Format)
	switch format {
	case "curl", "httpie", "raw", "har":
	default:
		return nil, ExportOut{}, fmt.Errorf(`bad format %q: "curl", "httpie", "raw" or "har"`, in.Format)
	}
	st, release, err := s.acquire()
	if err != nil {
		return nil, ExportOut{}, err
	}
	defer release()
	f, err := getFlow(st, in.ID)
	if err != nil {
		return nil, ExportOut{}, err
	}
	f = s.view(f)
	var text []byte
	if format == "raw" {
		// As siphon export --format raw: the request, a blank line, the
		// response.
		q, err := replay.RawRequest(f)
		if err != nil {
			return nil, ExportOut{}, fmt.Errorf("export flow %s: %w", in.ID, err)
		}
		var b bytes.Buffer
		b.Write(q)
		if p, err := replay.RawResponse(f); err == nil {
			b.WriteString("\n")
			b.Write(p)
		}
		text = b.Bytes()
	} else {
		text, err = replay.Export(replay.Format(format), f)
		if err != nil {
			return nil, ExportOut{}, fmt.Errorf("export flow %s as %s: %w", in.ID, format, err)
		}
	}
	return nil, ExportOut{Format: format, Text: string(text)}, nil
}
