package sse

import (
	"os"
	"reflect"
	"testing"
)

func readEvents(t *testing.T, name string) []Event {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return Parse(b)
}

func TestReassembleKnownShapes(t *testing.T) {
	cases := []struct {
		file string
		want Answer
	}{
		{"openai-chat.sse", Answer{Shape: OpenAIChat, Model: "gpt-4o-mini-2024-07-18",
			Text:  "Hello! How can I help you today? 👋",
			Usage: &Usage{InputTokens: 19, OutputTokens: 11, TotalTokens: 30}, Done: true, Stop: "stop", Events: 14}},
		{"openai-responses.sse", Answer{Shape: OpenAIResponses, Model: "gpt-4.1-2025-04-14",
			Text:  "Streams of text, one delta at a time.",
			Usage: &Usage{InputTokens: 36, OutputTokens: 10, TotalTokens: 46, CachedTokens: 8}, Done: true, Stop: "completed", Events: 18}},
		{"anthropic-messages.sse", Answer{Shape: AnthropicMessages, Model: "claude-sonnet-4-5-20250929",
			Text:  "Bonjour! Comment puis-je vous aider aujourd'hui ?",
			Usage: &Usage{InputTokens: 25, OutputTokens: 14, TotalTokens: 39, CachedTokens: 12}, Done: true, Stop: "end_turn", Events: 11}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			events := readEvents(t, c.file)
			got := Reassemble(events)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %+v %+v\nwant %+v %+v", got, got.Usage, c.want, c.want.Usage)
			}
			// Live: the answer so far, before the stream ended.
			var r Reassembler
			for _, e := range events[:len(events)/2] {
				r.Add(e)
			}
			part := r.Answer()
			if part.Shape != c.want.Shape || part.Done || len(part.Text) == 0 || len(part.Text) >= len(c.want.Text) {
				t.Errorf("half way: %+v", part)
			}
		})
	}
}

func TestReassembleUnknownShape(t *testing.T) {
	got := Reassemble(readEvents(t, "unknown-ticker.sse"))
	if got.Shape != Unknown || got.Text != "" || got.Usage != nil || got.Events != 0 || got.Skipped != 2 {
		t.Errorf("got %+v", got)
	}
	if got := Reassemble(nil); got.Shape != Unknown {
		t.Errorf("no events: %+v", got)
	}
}

func TestReassembleErrors(t *testing.T) {
	cases := []struct {
		name   string
		events []Event
		shape  Shape
		err    string
	}{
		{"anthropic overloaded", []Event{
			{Type: "message_start", Data: `{"type":"message_start","message":{"model":"claude-x","usage":{"input_tokens":3,"output_tokens":1}}}`},
			{Type: "error", Data: `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`}},
			AnthropicMessages, "Overloaded"},
		{"openai responses error event", []Event{
			{Type: "response.created", Data: `{"type":"response.created","response":{"model":"gpt-x","usage":null}}`},
			{Type: "error", Data: `{"type":"error","code":"server_error","message":"The server had an error","param":null}`}},
			OpenAIResponses, "The server had an error"},
		{"openai chat error chunk", []Event{
			{Data: `{"object":"chat.completion.chunk","model":"gpt-x","choices":[{"index":0,"delta":{"content":"Hi"}}]}`},
			{Data: `{"error":{"message":"Rate limit reached","type":"requests"}}`}},
			OpenAIChat, "Rate limit reached"},
		{"responses failed", []Event{
			{Type: "response.failed", Data: `{"type":"response.failed","response":{"model":"gpt-x","status":"failed","error":{"code":"server_error","message":"boom"}}}`}},
			OpenAIResponses, "boom"},
	}
	for _, c := range cases {
		got := Reassemble(c.events)
		if got.Shape != c.shape || got.Error != c.err {
			t.Errorf("%s: %+v", c.name, got)
		}
	}
}

func TestReassembleMixedStreamsKeepsFirstShape(t *testing.T) {
	events := append(readEvents(t, "anthropic-messages.sse"), readEvents(t, "openai-chat.sse")...)
	got := Reassemble(events)
	if got.Shape != AnthropicMessages || got.Text != "Bonjour! Comment puis-je vous aider aujourd'hui ?" || got.Skipped != 14 {
		t.Errorf("got %+v", got)
	}
}
