package session

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// harWSMessages are messages of every shape HAR must carry.
func harWSMessages() []Message {
	base := Stamp(1_796_033_702_163_581_000) // whole microseconds
	return []Message{
		{Dir: Up, Time: base, Opcode: OpText, Data: []byte(`{"hello":"world"}`), Size: 17},
		{Dir: Down, Time: base + 1000, Opcode: OpText, Data: []byte(`{"hello":"world"}`), Size: 17},
		{Dir: Up, Time: base + 2000, Opcode: OpBinary, Data: []byte{0, 1, 2, 0xff, 0xfe}, Size: 5},
		{Dir: Down, Time: base + 3000, Opcode: OpText, Data: []byte("a\xffb"), Size: 3, Note: "text message is not valid UTF-8"},
		{Dir: Down, Time: base + 4000, Opcode: OpText, Data: []byte("cut"), Size: 1 << 20, Truncated: true},
		{Dir: Up, Time: base + 5000, Opcode: OpClose, Data: ClosePayload(1000, "bye"), Size: 5},
		{Dir: Up, Time: base + 6000, Opcode: OpText, Data: []byte("edited"), Size: 6, Action: ActionEdited, Original: []byte("orig\xff")},
		{Dir: Down, Time: base + 7000, Opcode: OpBinary, Data: []byte{1}, Size: 1, Action: RuleAction("rewritten", "r"), Original: []byte{}},
		{Dir: Down, Time: base + 8000, Opcode: OpText, Data: []byte("hi"), Size: 2, Action: ActionInjected},
	}
}

func TestHARExportsAndImportsWebSocketMessages(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, filepath.Join(dir, "a.db"), Options{})
	f := wsFlow()
	f.Request.URL = "http://example.test/chat"
	s.Add(f)
	s.Add(smallFlow(2)) // no messages: no _webSocketMessages
	want := harWSMessages()
	for i := range want {
		if err := s.AddMessage(f.ID, want[i]); err != nil {
			t.Fatal(err)
		}
		want[i].Seq = int64(i + 1)
	}
	var out bytes.Buffer
	if n, err := s.ExportHAR(context.Background(), &out, nil, HARCreator{Name: "siphon", Version: "test"}); err != nil || n != 2 {
		t.Fatalf("export: %d, %v", n, err)
	}

	// Valid HAR 1.2, in Chrome's form.
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	schema, err := c.Compile("testdata/har/har-1.2.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("export is not valid HAR 1.2: %v", err)
	}
	var raw struct {
		Log struct {
			Entries []map[string]json.RawMessage `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(out.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	var chromeForm []map[string]any
	if err := json.Unmarshal(raw.Log.Entries[0]["_webSocketMessages"], &chromeForm); err != nil {
		t.Fatal(err)
	}
	if len(chromeForm) != len(want) || chromeForm[0]["type"] != "send" || chromeForm[1]["type"] != "receive" ||
		chromeForm[0]["data"] != `{"hello":"world"}` || chromeForm[2]["data"] != "AAEC//4=" ||
		chromeForm[2]["opcode"] != 2.0 || chromeForm[0]["time"] != 1796033702.163581 ||
		string(raw.Log.Entries[0]["_resourceType"]) != `"websocket"` {
		t.Errorf("Chrome form: %v", chromeForm)
	}
	if _, ok := raw.Log.Entries[1]["_webSocketMessages"]; ok {
		t.Error("a flow without messages has _webSocketMessages")
	}

	s2 := openStore(t, filepath.Join(dir, "b.db"), Options{})
	if n, err := ImportHAR(bytes.NewReader(out.Bytes()), s2); err != nil || n != 2 {
		t.Fatalf("import: %d, %v", n, err)
	}
	got := allMessages(t, s2, f.ID)
	if len(got) != len(want) {
		t.Fatalf("%d messages imported, want %d", len(got), len(want))
	}
	for i := range want {
		if !sameMessage(got[i], want[i]) {
			t.Errorf("message %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if g, err := s2.Get(f.ID); err != nil || g.Kind != WebSocket {
		t.Errorf("imported flow: %+v, %v", g, err)
	}
}

func TestImportChromeWebSocketHAR(t *testing.T) {
	fh, err := os.Open("testdata/har/chrome-websocket.har")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	if n, err := ImportHAR(fh, s); err != nil || n != 3 {
		t.Fatalf("import: %d, %v", n, err)
	}
	var f *Flow
	for _, g := range s.List(nil, 0, 3) {
		if strings.HasSuffix(g.Request.URL, "/echo") {
			f = g
		} else if g.Kind != HTTP || s.MessageStats(g.ID) != (MessageStats{}) {
			t.Errorf("%s: kind %v, messages %+v", g.Request.URL, g.Kind, s.MessageStats(g.ID))
		}
	}
	if f == nil || f.Kind != WebSocket || f.Response.Status != 101 || !strings.HasPrefix(f.Request.URL, "ws://127.0.0.1:") {
		t.Fatalf("WebSocket flow: %+v", f)
	}
	got := allMessages(t, s, f.ID)
	want := []struct {
		dir  Direction
		op   Opcode
		data string
	}{
		{Up, OpText, `{"hello":"world","n":1}`}, {Down, OpText, `{"hello":"world","n":1}`},
		{Up, OpBinary, "\x00\x01\x02\x03\xff\xfe\xfd"}, {Down, OpBinary, "\x00\x01\x02\x03\xff\xfe\xfd"},
		{Up, OpText, "héllo, wörld ✓"}, {Down, OpText, "héllo, wörld ✓"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d messages, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Dir != w.dir || g.Opcode != w.op || string(g.Data) != w.data || g.Size != int64(len(w.data)) || g.Note != "" {
			t.Errorf("message %d: %v %v %q size %d note %q", i, g.Dir, g.Opcode, g.Data, g.Size, g.Note)
		}
		if i > 0 && g.Time < got[i-1].Time {
			t.Errorf("message %d: time %d before the previous one", i, g.Time)
		}
	}
	// 1796542524.6526892 s, to the microsecond.
	if got[0].Time != Stamp(1_796_542_524_652_689_000) {
		t.Errorf("first message at %d", got[0].Time)
	}
}

func TestImportHARBadWebSocketMessage(t *testing.T) {
	for _, tc := range []struct{ msgs, want string }{
		{`[{"type":"sideways","time":1,"opcode":1,"data":"x"}]`, `type "sideways"`},
		{`[{"type":"send","time":1,"opcode":99,"data":"x"}]`, "opcode 99"},
	} {
		doc := `{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[
			{"startedDateTime":"2026-01-02T03:04:05.678Z","time":1,"request":{"method":"GET","url":"ws://a.test/",
			"httpVersion":"HTTP/1.1","cookies":[],"headers":[],"queryString":[],"headersSize":-1,"bodySize":0},
			"response":{"status":101,"statusText":"","httpVersion":"HTTP/1.1","cookies":[],"headers":[],
			"content":{"size":0,"mimeType":""},"redirectURL":"","headersSize":-1,"bodySize":0},
			"cache":{},"timings":{"send":0,"wait":1,"receive":0},"_webSocketMessages":` + tc.msgs + `}]}}`
		s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
		_, err := ImportHAR(strings.NewReader(doc), s)
		if err == nil || !strings.Contains(err.Error(), "entry 0") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v", tc.msgs, err)
		}
		if s.Len() != 0 {
			t.Errorf("%s: a failed import left %d flows", tc.msgs, s.Len())
		}
	}
}
