package main

import (
	"encoding/json"

	"github.com/siphonproxy/siphon/mcp"
	"github.com/siphonproxy/siphon/session"
)

// formatFlowJSON is the line siphon dump --json prints for a flow: the
// fields of an MCP list_flows row, as one JSON object, for jq and scripts.
// encoding/json escapes control characters, so a hostile URL cannot break
// the line.
func formatFlowJSON(f *session.Flow) string {
	// A Row holds only strings, finite numbers and booleans: it always
	// marshals.
	data, _ := json.Marshal(mcp.RowOf(f))
	return string(data)
}
