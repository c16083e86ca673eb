package mcp

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// A WebSocket flow's HAR export carries its messages, as siphon export's
// does; redaction hides secret JSON fields in them as in bodies.
func TestExportHARCarriesRedactedMessages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ws.db")
	st, err := session.Open(path, session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := testFlow(1)
	f.Kind = session.WebSocket
	st.Add(f)
	for _, data := range []string{`{"auth_token":"abc123","n":1}`, "plain token=abc123"} {
		if err := st.AddMessage(f.ID, session.Message{Dir: session.Up, Opcode: session.OpText, Data: []byte(data), Size: int64(len(data))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	for _, noRedact := range []bool{false, true} {
		cs := serveFile(t, path, noRedact)
		out := call[ExportOut](t, cs, "export_flow", map[string]any{"id": f.ID, "format": "har"})
		var doc struct {
			Log struct {
				Entries []struct {
					Messages []struct{ Data string } `json:"_webSocketMessages"`
				}
			}
		}
		if err := json.Unmarshal([]byte(out.Text), &doc); err != nil || len(doc.Log.Entries) != 1 {
			t.Fatalf("HAR %v: %s", err, out.Text)
		}
		msgs := doc.Log.Entries[0].Messages
		if len(msgs) != 2 || msgs[1].Data != "plain token=abc123" {
			t.Fatalf("noRedact %v: messages %+v", noRedact, msgs)
		}
		if redacted := !strings.Contains(msgs[0].Data, "abc123"); redacted == noRedact ||
			(redacted && msgs[0].Data != `{"auth_token":"[redacted …6 chars]","n":1}`) {
			t.Errorf("noRedact %v: first message %q", noRedact, msgs[0].Data)
		}
	}
}
