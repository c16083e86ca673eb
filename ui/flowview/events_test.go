package flowview

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
)

// sseFlow is a flow whose event-stream response has body so far.
func sseFlow(state session.State, body []byte, h ...string) *session.Flow {
	hdr := http.Header{"Content-Type": {"text/event-stream; charset=utf-8"}}
	for i := 0; i+1 < len(h); i += 2 {
		hdr.Set(h[i], h[i+1])
	}
	return &session.Flow{ID: "sse", Seq: 3, State: state,
		Request: &session.Request{Method: "POST", URL: "http://api.test/v1/chat/completions", Proto: "HTTP/1.1"},
		Response: &session.Response{Status: 200, Proto: "HTTP/1.1", Header: hdr,
			Body: session.Body{Data: body, Size: int64(len(body))}}}
}

// openEvents opens the flow load returns, on its Events tab.
func openEvents(t *testing.T, load func() *session.Flow) *Model {
	t.Helper()
	v := New(quietHost{}, func(string) (*session.Flow, error) { return load(), nil }, keymap.Default(),
		style.NewStyles(style.DefaultTheme()), time.UTC)
	v.SetSize(100, 60)
	run(t, v, v.Open("sse"))
	v.SetTab(TabEvents)
	return v
}

// Events are shown as the body grows: each reload parses only the new
// bytes, and an event is listed once its blank line has arrived.
func TestEventsLive(t *testing.T) {
	stream := "retry: 3000\nid: 1\nevent: tick\ndata: {\"n\":1,\"ok\":true}\n\n: keep-alive\n" +
		"id: 2\ndata: line one\ndata: line two\n\ndata: {\"n\":3"
	body := []byte(stream[:strings.Index(stream, "id: 2")+4])
	v := openEvents(t, func() *session.Flow { return sseFlow(session.Pending, body) })
	s := screen(v)
	for _, want := range []string{"[Events]", "1 event · 1 comment · streaming", "#1 event: tick  id: 1  retry: 3,000 ms", `    "n": 1,`} {
		if !strings.Contains(s, want) {
			t.Errorf("first part: screen lacks %q:\n%s", want, s)
		}
	}
	parser, fed := v.events.parser, v.events.parser.Fed()
	body = []byte(stream)
	run(t, v, v.Reload())
	s = screen(v)
	for _, want := range []string{"2 events · 1 comment · streaming", "#2 event: message  id: 2", "  line one", "  line two"} {
		if !strings.Contains(s, want) {
			t.Errorf("second part: screen lacks %q:\n%s", want, s)
		}
	}
	// The same parser went on from where it stopped.
	if v.events.parser != parser || v.events.parser.Fed() != int64(len(stream)) || fed == 0 || v.events.count != 2 {
		t.Errorf("fed %d then %d of %d bytes, %d events", fed, v.events.parser.Fed(), len(stream), v.events.count)
	}
	// The stream ends without the last blank line: that event is dropped,
	// as the standard says, and the tab says so.
	v.flow.State = session.Done
	v.layout(true)
	if s := screen(v); !strings.Contains(s, "2 events · 1 comment · the last event was never ended") {
		t.Errorf("the end of the stream:\n%s", s)
	}
}

// A compressed stream is decoded whole and parsed again as it grows.
func TestEventsCompressed(t *testing.T) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte("data: {\"a\":1}\n\ndata: second\n\n"))
	zw.Close()
	v := openEvents(t, func() *session.Flow { return sseFlow(session.Done, b.Bytes(), "Content-Encoding", "gzip") })
	run(t, v, v.Reload()) // a done flow is not read again
	run(t, v, v.parseEvents())
	if s := screen(v); !strings.Contains(s, "2 events") || !strings.Contains(s, `    "a": 1`) || strings.Count(s, "#2 ") != 1 {
		t.Errorf("screen:\n%s", s)
	}
}

// Streams of known LLM APIs are put back together above the events;
// others show only the events.
func TestEventsAnswer(t *testing.T) {
	for _, c := range []struct {
		file string
		want []string
	}{
		{"openai-chat.sse", []string{"answer (openai-chat)", "model: gpt-4o-mini-2024-07-18", "end: stop",
			"tokens: 19 in · 11 out · 30 total", "  Hello! How can I help you today? 👋", "14 events"}},
		{"openai-responses.sse", []string{"answer (openai-responses)", "model: gpt-4.1-2025-04-14", "end: completed",
			"tokens: 36 in · 10 out · 46 total · 8 cached", "  Streams of text, one delta at a time."}},
		{"anthropic-messages.sse", []string{"answer (anthropic-messages)", "model: claude-sonnet-4-5-20250929", "end: end_turn",
			"tokens: 25 in · 14 out · 39 total · 12 cached", "  Bonjour! Comment puis-je vous aider aujourd'hui ?"}},
		{"unknown-ticker.sse", []string{"events"}},
	} {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "..", "sse", "testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			v := openEvents(t, func() *session.Flow { return sseFlow(session.Done, data) })
			s := screen(v)
			for _, want := range c.want {
				if !strings.Contains(s, want) {
					t.Errorf("screen lacks %q:\n%s", want, s)
				}
			}
			if c.file == "unknown-ticker.sse" && strings.Contains(s, "answer") {
				t.Errorf("an unknown stream shows an answer:\n%s", s)
			}
		})
	}
}

// The Events tab is only for event streams.
func TestEventsTabOnlyForEventStreams(t *testing.T) {
	f := sseFlow(session.Done, []byte("data: x\n\n"))
	if !isEventStream(f) {
		t.Error("text/event-stream; charset=utf-8 is not an event stream")
	}
	f.Response.Header.Set("Content-Type", "application/json")
	if isEventStream(f) || isEventStream(&session.Flow{}) {
		t.Error("JSON, or no response, is an event stream")
	}
}
