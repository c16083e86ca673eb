package mcp

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/siphonproxy/siphon/replay"
	"github.com/siphonproxy/siphon/session"
)

// ExportIn are export_flow's arguments.
type ExportIn struct {
	ID     string `json:"id" jsonschema:"the flow's id"`
	Format string `json:"format" jsonschema:"curl, httpie, raw (request and response as HTTP/1.1 text) or har"`
}

// ExportOut is export_flow's result.
type ExportOut struct {
	Format   string `json:"format"`
	Text     string `json:"text" jsonschema:"the export, as siphon export writes it (base64 when encoding says so)"`
	Encoding string `json:"encoding" jsonschema:"text (UTF-8), or base64 when the export holds bytes that are not UTF-8 (a raw export of a binary body)"`
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
	var text []byte
	if format == "har" {
		text, err = s.harOf(st, f)
	} else {
		text, _, err = replay.Entry(replay.Format(format), s.view(f), replay.ShellOptions{})
	}
	if err != nil {
		return nil, ExportOut{}, fmt.Errorf("export flow %s as %s: %w", in.ID, format, err)
	}
	// A JSON string cannot carry bytes that are not UTF-8: they would
	// arrive as U+FFFD, and the export would no longer be siphon export's.
	if !utf8.Valid(text) {
		return nil, ExportOut{Format: format, Text: base64.StdEncoding.EncodeToString(text), Encoding: "base64"}, nil
	}
	return nil, ExportOut{Format: format, Text: string(text), Encoding: "text"}, nil
}

// harOf is the HAR document siphon export --format har writes of f alone:
// its WebSocket messages included, the creator siphon at this version.
func (s *Server) harOf(st *session.Store, f *session.Flow) ([]byte, error) {
	var msgs []session.Message
	if n := st.MessageStats(f.ID).Stored; n > 0 {
		var err error
		if msgs, err = st.Messages(f.ID, 0, int(n)); err != nil {
			return nil, err
		}
	}
	f, msgs = s.view(f), s.viewMessages(msgs)
	var b bytes.Buffer
	hw := session.NewHARWriter(&b, session.HARCreator{Name: "siphon", Version: s.cfg.Version})
	if err := hw.WriteMessages(f, msgs); err != nil {
		return nil, err
	}
	if err := hw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
