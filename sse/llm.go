package sse

import (
	"encoding/json"
	"strings"
)

// Shape names a known kind of streamed LLM answer.
type Shape string

// Known shapes. Unknown streams fall back to the event list.
const (
	Unknown           Shape = "unknown"
	OpenAIChat        Shape = "openai-chat"        // POST /v1/chat/completions, stream: true
	OpenAIResponses   Shape = "openai-responses"   // POST /v1/responses, stream: true
	AnthropicMessages Shape = "anthropic-messages" // POST /v1/messages, stream: true
)

// Usage counts tokens as the API reported them.
type Usage struct {
	InputTokens  int64
	OutputTokens int64
	TotalTokens  int64 // as reported, else input plus output
	// CachedTokens are input tokens read from a prompt cache (OpenAI's
	// cached_tokens, Anthropic's cache_read_input_tokens).
	CachedTokens int64
}

// Answer is a streamed answer put back together.
type Answer struct {
	Shape Shape
	Model string
	Text  string // the text of the first choice or output, in order
	// Usage is nil when the stream reported none (OpenAI chat reports it
	// only with stream_options.include_usage).
	Usage *Usage
	Done  bool   // the stream's end arrived ([DONE], response.completed, message_stop)
	Stop  string // finish_reason, stop_reason, or the final status
	Error string // the message of an error event
	// Events counts the events read as the shape; Skipped those that did
	// not fit it (other JSON, not JSON).
	Events, Skipped int
}

// Reassembler builds an Answer from events as they arrive. The zero value
// is ready to use; it is not safe for concurrent use.
type Reassembler struct {
	a     Answer
	text  strings.Builder
	usage Usage
	has   bool // usage seen
	total bool // a total was reported
}

// Reassemble returns the answer of a whole list of events.
func Reassemble(events []Event) Answer {
	var r Reassembler
	for _, e := range events {
		r.Add(e)
	}
	return r.Answer()
}

// Answer returns the answer so far.
func (r *Reassembler) Answer() Answer {
	a := r.a
	if a.Shape == "" {
		a.Shape = Unknown
	}
	a.Text = r.text.String()
	if r.has {
		u := r.usage
		if !r.total {
			u.TotalTokens = u.InputTokens + u.OutputTokens
		}
		a.Usage = &u
	}
	return a
}

// chunk is the union of the JSON shapes of the known streams.
type chunk struct {
	Object  string `json:"object"`
	Type    string `json:"type"`
	Model   string `json:"model"`
	Choices []struct {
		Index int `json:"index"`
		Delta struct {
			Content *string `json:"content"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage    *apiUsage       `json:"usage"`
	Delta    json.RawMessage `json:"delta"` // a string (responses) or an object (Anthropic)
	Response *struct {
		Model  string    `json:"model"`
		Status string    `json:"status"`
		Usage  *apiUsage `json:"usage"`
		Error  *apiError `json:"error"`
	} `json:"response"`
	// Message is Anthropic's message object, or the text of an OpenAI
	// responses error event.
	Message json.RawMessage `json:"message"`
	Error   json.RawMessage `json:"error"` // an object, or a string
}

type apiError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// apiUsage holds the usage fields of all three APIs.
type apiUsage struct {
	PromptTokens     *int64 `json:"prompt_tokens"`
	CompletionTokens *int64 `json:"completion_tokens"`
	InputTokens      *int64 `json:"input_tokens"`
	OutputTokens     *int64 `json:"output_tokens"`
	TotalTokens      *int64 `json:"total_tokens"`
	CacheRead        *int64 `json:"cache_read_input_tokens"`
	PromptDetails    *struct {
		CachedTokens *int64 `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	InputDetails *struct {
		CachedTokens *int64 `json:"cached_tokens"`
	} `json:"input_tokens_details"`
}

var anthropicTypes = map[string]bool{"message_start": true, "content_block_start": true,
	"content_block_delta": true, "content_block_stop": true, "message_delta": true,
	"message_stop": true, "ping": true}

// shapeOf says which known stream an event's chunk belongs to.
func shapeOf(c *chunk) Shape {
	switch {
	case c.Object == "chat.completion.chunk" || c.Choices != nil:
		return OpenAIChat
	case strings.HasPrefix(c.Type, "response."):
		return OpenAIResponses
	case anthropicTypes[c.Type]:
		return AnthropicMessages
	}
	return Unknown
}

// Add reads the next event.
func (r *Reassembler) Add(e Event) {
	data := strings.TrimSpace(e.Data)
	if data == "[DONE]" {
		if r.a.Shape == OpenAIChat {
			r.a.Done = true
			r.a.Events++
		} else {
			r.a.Skipped++
		}
		return
	}
	var c chunk
	if json.Unmarshal([]byte(data), &c) != nil {
		r.a.Skipped++
		return
	}
	if c.Type == "error" || e.Type == "error" || (c.Error != nil && string(c.Error) != "null") {
		r.a.Error = errorMessage(&c)
		r.a.Events++
		return
	}
	shape := shapeOf(&c)
	switch {
	case shape == Unknown:
		r.a.Skipped++
		return
	case r.a.Shape == "" || r.a.Shape == Unknown:
		r.a.Shape = shape
	case shape != r.a.Shape:
		r.a.Skipped++
		return
	}
	r.a.Events++
	switch shape {
	case OpenAIChat:
		r.chat(&c)
	case OpenAIResponses:
		r.responses(&c)
	case AnthropicMessages:
		r.anthropic(&c)
	}
}

func errorMessage(c *chunk) string {
	var e apiError
	if json.Unmarshal(c.Error, &e) == nil && e.Message != "" {
		return e.Message
	}
	var s string
	if json.Unmarshal(c.Error, &s) == nil && s != "" {
		return s
	}
	if json.Unmarshal(c.Message, &s) == nil && s != "" {
		return s
	}
	if c.Response != nil && c.Response.Error != nil {
		return c.Response.Error.Message
	}
	return "error event"
}

func (r *Reassembler) chat(c *chunk) {
	if c.Model != "" {
		r.a.Model = c.Model
	}
	for _, ch := range c.Choices {
		if ch.Index != 0 {
			continue // the first choice only, when n > 1
		}
		if ch.Delta.Content != nil {
			r.text.WriteString(*ch.Delta.Content)
		}
		if ch.FinishReason != nil {
			r.a.Stop = *ch.FinishReason
		}
	}
	r.addUsage(c.Usage)
}

func (r *Reassembler) responses(c *chunk) {
	if c.Response != nil {
		if c.Response.Model != "" {
			r.a.Model = c.Response.Model
		}
		r.addUsage(c.Response.Usage)
	}
	switch c.Type {
	case "response.output_text.delta":
		var d string
		if json.Unmarshal(c.Delta, &d) == nil {
			r.text.WriteString(d)
		}
	case "response.completed", "response.failed", "response.incomplete":
		r.a.Done = true
		if c.Response != nil {
			r.a.Stop = c.Response.Status
			if c.Response.Error != nil {
				r.a.Error = c.Response.Error.Message
			}
		}
	}
}

func (r *Reassembler) anthropic(c *chunk) {
	switch c.Type {
	case "message_start":
		var m struct {
			Model string    `json:"model"`
			Usage *apiUsage `json:"usage"`
		}
		if json.Unmarshal(c.Message, &m) == nil {
			r.a.Model = m.Model
			r.addUsage(m.Usage)
		}
	case "content_block_delta":
		var d struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		if json.Unmarshal(c.Delta, &d) == nil && d.Type == "text_delta" {
			r.text.WriteString(d.Text)
		}
	case "message_delta":
		var d struct {
			StopReason string `json:"stop_reason"`
		}
		if json.Unmarshal(c.Delta, &d) == nil && d.StopReason != "" {
			r.a.Stop = d.StopReason
		}
		r.addUsage(c.Usage) // output_tokens here are the running total
	case "message_stop":
		r.a.Done = true
	}
}

// addUsage merges reported counts: later reports win field by field.
func (r *Reassembler) addUsage(u *apiUsage) {
	if u == nil {
		return
	}
	r.has = true
	set := func(dst *int64, vals ...*int64) {
		for _, v := range vals {
			if v != nil {
				*dst = *v
			}
		}
	}
	set(&r.usage.InputTokens, u.PromptTokens, u.InputTokens)
	set(&r.usage.OutputTokens, u.CompletionTokens, u.OutputTokens)
	set(&r.usage.CachedTokens, u.CacheRead)
	if u.PromptDetails != nil {
		set(&r.usage.CachedTokens, u.PromptDetails.CachedTokens)
	}
	if u.InputDetails != nil {
		set(&r.usage.CachedTokens, u.InputDetails.CachedTokens)
	}
	if u.TotalTokens != nil {
		r.usage.TotalTokens, r.total = *u.TotalTokens, true
	}
}
