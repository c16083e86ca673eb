package mcp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/replay"
	"github.com/siphonproxy/siphon/session"
)

// Live is the running proxy, for the action tools.
type Live struct {
	// AllowActions lets the action tools act (--mcp-allow-actions);
	// without it they refuse, saying how to allow them.
	AllowActions bool
	// Engine holds the rules and the paused flows. Required for
	// add_rule, list_paused, resume_flow and drop_flow.
	Engine *intercept.Engine
	// Sender replays flows through the proxy; its Marker must be in the
	// proxy's recorder chain so that replays are marked and reported.
	Sender *replay.Sender
	// Rules is where add_rule appends.
	Rules *RulesFile
}

// errActionsRefused is the tool error of an action the server may not take.
var errActionsRefused = errors.New("refused: siphon's MCP server is read-only; restart siphon with --mcp-allow-actions to let agents replay, add rules and resolve paused flows")

// ReplayIn are replay_flow's arguments.
type ReplayIn struct {
	ID      string            `json:"id" jsonschema:"the flow to send again"`
	Method  string            `json:"method,omitempty" jsonschema:"replace the method"`
	URL     string            `json:"url,omitempty" jsonschema:"replace the absolute URL"`
	Headers map[string]string `json:"headers,omitempty" jsonschema:"set these request headers; an empty value removes the header"`
	Body    *string           `json:"body,omitempty" jsonschema:"replace the request body (text); not for a WebSocket"`
	AtOnce  bool              `json:"at_once,omitempty" jsonschema:"a WebSocket: send the client's messages one after another instead of with their recorded gaps"`
}

// ReplayOut is replay_flow's result.
type ReplayOut struct {
	ID         string  `json:"id" jsonschema:"the id of the new flow siphon captured for the replay"`
	Status     int     `json:"status,omitempty" jsonschema:"the response status (101 for a WebSocket that opened)"`
	Size       int64   `json:"size" jsonschema:"response body bytes received; for a WebSocket, payload bytes of the server's messages"`
	Sent       int     `json:"messages_sent,omitempty" jsonschema:"a WebSocket: the client messages sent, its close included"`
	DurationMS float64 `json:"duration_ms"`
	Error      string  `json:"error,omitempty" jsonschema:"why the replay failed"`
}

// MessageEdit replaces parts of a paused request or response.
type MessageEdit struct {
	Method  string            `json:"method,omitempty" jsonschema:"request only: replace the method"`
	URL     string            `json:"url,omitempty" jsonschema:"request only: replace the absolute URL"`
	Status  int               `json:"status,omitempty" jsonschema:"response only: replace the status"`
	Headers map[string]string `json:"headers,omitempty" jsonschema:"set these headers; an empty value removes the header"`
	Body    *string           `json:"body,omitempty" jsonschema:"replace the body (text)"`
}

// ResumeIn are resume_flow's arguments.
type ResumeIn struct {
	ID       string       `json:"id" jsonschema:"a paused flow's id (from list_paused)"`
	Request  *MessageEdit `json:"request,omitempty" jsonschema:"edit the request before it is sent (flows paused at the request phase)"`
	Response *MessageEdit `json:"response,omitempty" jsonschema:"edit the response before the client gets it (flows paused at the response phase)"`
}

// PausedOut is list_paused's result.
type PausedOut struct {
	Paused []PausedRow `json:"paused" jsonschema:"flows held at breakpoints, oldest first"`
}

// PausedRow is one paused flow.
type PausedRow struct {
	Row
	Phase    string `json:"phase" jsonschema:"request (not sent yet) or response (not delivered yet)"`
	By       string `json:"by" jsonschema:"what paused it"`
	Deadline string `json:"deadline" jsonschema:"when the intercept timeout lets it go on unchanged, RFC 3339"`
}

// ActionOut is the result of resume_flow and drop_flow.
type ActionOut struct {
	ID   string `json:"id"`
	Done string `json:"done" jsonschema:"what happened"`
}

func (s *Server) addActionTools() {
	act := &sdk.ToolAnnotations{DestructiveHint: ptr(false)}
	sdk.AddTool(s.srv, &sdk.Tool{Name: "replay_flow", Annotations: act,
		Description: "Send a captured request again through siphon, optionally edited; the replay is captured as a new flow. A WebSocket is opened again and its client's messages sent as recorded (with their gaps unless at_once). Needs --mcp-allow-actions."}, s.replayFlow)
	sdk.AddTool(s.srv, &sdk.Tool{Name: "add_rule", Annotations: act,
		Description: "Add one rule (YAML, as in a --rules file: name, match, and one of mock, map-remote, rewrite, block, throttle, breakpoint); it is checked as --rules does, appended to the rules file and loaded. Needs --mcp-allow-actions."}, s.addRule)
	sdk.AddTool(s.srv, &sdk.Tool{Name: "list_paused", Annotations: &sdk.ToolAnnotations{ReadOnlyHint: true},
		Description: "List the flows held at breakpoints. Needs --mcp-allow-actions."}, s.listPaused)
	sdk.AddTool(s.srv, &sdk.Tool{Name: "resume_flow", Annotations: act,
		Description: "Let a paused flow go on, optionally with its request or response edited. Needs --mcp-allow-actions."}, s.resumeFlow)
	sdk.AddTool(s.srv, &sdk.Tool{Name: "drop_flow", Annotations: &sdk.ToolAnnotations{DestructiveHint: ptr(true)},
		Description: "End a paused flow: the client's connection is closed. Needs --mcp-allow-actions."}, s.dropFlow)
}

func (s *Server) replayFlow(ctx context.Context, _ *sdk.CallToolRequest, in ReplayIn) (*sdk.CallToolResult, ReplayOut, error) {
	live := s.cfg.Live
	if !live.AllowActions {
		return nil, ReplayOut{}, errActionsRefused
	}
	if live.Sender == nil {
		return nil, ReplayOut{}, errors.New("replay is not available in this siphon")
	}
	st, release, err := s.acquire()
	if err != nil {
		return nil, ReplayOut{}, err
	}
	f, err := getFlow(st, in.ID)
	var msgs []session.Message
	if err == nil && f.Kind == session.WebSocket {
		msgs, err = replay.ClientMessages(st, f.ID)
	}
	release()
	if err != nil {
		return nil, ReplayOut{}, err
	}
	if f.Request == nil || (f.Kind != session.HTTP && f.Kind != session.WebSocket) {
		return nil, ReplayOut{}, fmt.Errorf("flow %s is a %s, not an HTTP exchange or a WebSocket: it cannot be replayed", in.ID, f.Kind)
	}
	if f.Kind == session.WebSocket && (in.Method != "" || in.Body != nil) {
		return nil, ReplayOut{}, fmt.Errorf("flow %s is a WebSocket: its replay opens it with GET and sends the recorded messages; only url and headers can be edited", in.ID)
	}
	edit := MessageEdit{Method: in.Method, URL: in.URL, Headers: in.Headers, Body: in.Body}
	if err := applyRequestEdit(f.Request, &edit); err != nil {
		return nil, ReplayOut{}, err
	}
	var res replay.Result
	if f.Kind == session.WebSocket {
		res = live.Sender.SendWebSocket(ctx, f, msgs, in.AtOnce)
	} else {
		res = live.Sender.Send(ctx, f)
	}
	out := ReplayOut{ID: res.FlowID, Status: res.Status, Size: res.Size, Sent: res.Sent, DurationMS: float64(res.Duration) / float64(time.Millisecond)}
	if res.Err != nil {
		out.Error = res.Err.Error()
	}
	return nil, out, nil
}

// applyRequestEdit changes r as e says.
func applyRequestEdit(r *session.Request, e *MessageEdit) error {
	if e.Status != 0 {
		return errors.New("bad request edit: status belongs to a response edit")
	}
	if e.Method != "" {
		r.Method = e.Method
	}
	if e.URL != "" {
		r.URL = e.URL
	}
	editMessage(r.Header, &r.Body, e)
	return nil
}

// editMessage sets headers and the body of a message.
func editMessage(h http.Header, b *session.Body, e *MessageEdit) {
	for name, v := range e.Headers {
		if v == "" {
			h.Del(name)
		} else {
			h.Set(name, v)
		}
	}
	if e.Body != nil {
		*b = session.Body{Data: []byte(*e.Body), Size: int64(len(*e.Body))}
		h.Del("Content-Encoding")
		if h.Get("Content-Length") != "" {
			h.Set("Content-Length", strconv.Itoa(len(*e.Body)))
		}
	}
}

func (s *Server) engine() (*intercept.Engine, error) {
	live := s.cfg.Live
	if !live.AllowActions {
		return nil, errActionsRefused
	}
	if live.Engine == nil {
		return nil, errors.New("this siphon has no rules engine")
	}
	return live.Engine, nil
}

func (s *Server) listPaused(ctx context.Context, _ *sdk.CallToolRequest, _ struct{}) (*sdk.CallToolResult, PausedOut, error) {
	e, err := s.engine()
	if err != nil {
		return nil, PausedOut{}, err
	}
	out := PausedOut{Paused: []PausedRow{}}
	for _, p := range e.Paused() {
		r := RowOf(s.view(p.Flow))
		out.Paused = append(out.Paused, PausedRow{Row: r, Phase: p.Phase.String(), By: p.By,
			Deadline: p.Deadline.UTC().Format(time.RFC3339Nano)})
	}
	return nil, out, nil
}

// paused finds a paused flow, or says how to find one.
func paused(e *intercept.Engine, id string) (intercept.PausedFlow, error) {
	for _, p := range e.Paused() {
		if p.ID == id {
			return p, nil
		}
	}
	return intercept.PausedFlow{}, fmt.Errorf("flow %q is not paused (it may have been resumed or timed out): list_paused shows the paused flows", id)
}

func (s *Server) resumeFlow(ctx context.Context, _ *sdk.CallToolRequest, in ResumeIn) (*sdk.CallToolResult, ActionOut, error) {
	e, err := s.engine()
	if err != nil {
		return nil, ActionOut{}, err
	}
	p, err := paused(e, in.ID)
	if err != nil {
		return nil, ActionOut{}, err
	}
	switch {
	case in.Request != nil && in.Response != nil:
		return nil, ActionOut{}, errors.New("bad edit: give request or response, not both (a flow is paused at one phase)")
	case in.Request != nil:
		if p.Phase != intercept.RequestPhase || p.Flow.Request == nil {
			return nil, ActionOut{}, fmt.Errorf("flow %s is paused at the %s phase: edit its response instead", in.ID, p.Phase)
		}
		r := p.Flow.Request.Clone()
		if err := applyRequestEdit(r, in.Request); err != nil {
			return nil, ActionOut{}, err
		}
		err = e.EditRequest(in.ID, r)
	case in.Response != nil:
		if p.Phase != intercept.ResponsePhase || p.Flow.Response == nil {
			return nil, ActionOut{}, fmt.Errorf("flow %s is paused at the %s phase: edit its request instead", in.ID, p.Phase)
		}
		if in.Response.Method != "" || in.Response.URL != "" {
			return nil, ActionOut{}, errors.New("bad response edit: method and url belong to a request edit")
		}
		r := p.Flow.Response.Clone()
		if in.Response.Status != 0 {
			if in.Response.Status < 100 || in.Response.Status > 999 {
				return nil, ActionOut{}, fmt.Errorf("bad status %d: from 100 to 999", in.Response.Status)
			}
			r.Status, r.Reason = in.Response.Status, http.StatusText(in.Response.Status)
		}
		editMessage(r.Header, &r.Body, in.Response)
		err = e.EditResponse(in.ID, r)
	default:
		err = e.Resume(in.ID)
	}
	if errors.Is(err, intercept.ErrNotPaused) {
		return nil, ActionOut{}, fmt.Errorf("flow %q is no longer paused: list_paused shows the paused flows", in.ID)
	}
	if err != nil {
		return nil, ActionOut{}, fmt.Errorf("resume flow %s: %w", in.ID, err)
	}
	done := "resumed"
	if in.Request != nil || in.Response != nil {
		done = "resumed with the edited " + p.Phase.String()
	}
	return nil, ActionOut{ID: in.ID, Done: done}, nil
}

func (s *Server) dropFlow(ctx context.Context, _ *sdk.CallToolRequest, in IDIn) (*sdk.CallToolResult, ActionOut, error) {
	e, err := s.engine()
	if err != nil {
		return nil, ActionOut{}, err
	}
	if err := e.Kill(in.ID); err != nil {
		if errors.Is(err, intercept.ErrNotPaused) {
			return nil, ActionOut{}, fmt.Errorf("flow %q is not paused: only paused flows can be dropped (list_paused shows them)", in.ID)
		}
		return nil, ActionOut{}, fmt.Errorf("drop flow %s: %w", in.ID, err)
	}
	return nil, ActionOut{ID: in.ID, Done: "dropped: the client's connection was closed"}, nil
}
