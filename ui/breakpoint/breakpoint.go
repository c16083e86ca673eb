// Package breakpoint is what the UI does with flows and WebSocket
// messages paused at breakpoints: the intercept keys (resume, kill, edit,
// answer, the intercept filter; forward, edit, drop a message, pause a
// WebSocket's messages), the round trip of a message through the user's
// editor (raw HTTP, or a WebSocket payload), the edit of a stored request
// for replay, and messages of the user's own sent on an open WebSocket.
package breakpoint

import (
	"os"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/prompt"
	"github.com/siphonproxy/siphon/ui/style"
	"github.com/siphonproxy/siphon/ui/wsintercept"
)

// Engine is what the intercept keys need of the rules engine
// (*intercept.Engine).
type Engine interface {
	InterceptFilter() string
	SetInterceptFilter(expr string) error
	Intercepting() bool
	SetIntercepting(on bool)
	Paused() []intercept.PausedFlow
	Resume(id string) error
	ResumeAll() int
	Kill(id string) error
	EditRequest(id string, r *session.Request) error
	EditResponse(id string, r *session.Response) error
	Answer(id string, r *session.Response) error
}

// Store is where a stored flow's request is read and saved when edited
// (*session.Store).
type Store interface {
	Get(id string) (*session.Flow, error)
	Update(f *session.Flow) error
}

// Terminal is the terminal the UI reads keys from, handed to the editor
// while it runs (Terminal.Terminal): reading pauses meanwhile.
type Terminal interface {
	File() *os.File
	Pause()
	Resume()
}

// Config is what the intercept keys need.
type Config struct {
	Engine   Engine // nil: the keys say there is no proxy
	Store    Store
	Editor   string // as $EDITOR is written; "" for vi
	ReadOnly bool   // a session browsed without a proxy
	Keys     keymap.Map
	Styles   style.Styles

	// Messages holds WebSocket messages at breakpoints; nil: the message
	// keys say there is no proxy.
	Messages wsintercept.Engine
	// Injector sends messages of the user's own; nil: s says there is no
	// proxy.
	Injector wsintercept.Injector
	// Selected returns the paused message selected in the flow view's
	// Messages tab when it shows that flow, "" for none (nil: none
	// ever): the message keys act on it rather than the oldest.
	Selected func(flowID string) string
}

// Model handles the intercept keys and the editor's round trips.
type Model struct {
	host   prompt.Host
	cfg    Config
	term   Terminal // nil: Bubble Tea's own exec (under teatest)
	paused int      // flows paused at breakpoints
	msgs   []wsintercept.PausedMessage
}

// New returns the intercept keys over cfg.
func New(host prompt.Host, cfg Config) *Model {
	return &Model{host: host, cfg: cfg}
}

// SetTerminal sets the terminal the editor runs on (nil for none).
func (m *Model) SetTerminal(t Terminal) { m.term = t }

// Update takes in the editor's exits and flows read for an edit.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case EditedMsg:
		return m.edited(msg)
	case readMsg:
		return m.read(msg)
	case storedFlowMsg:
		return m.storedEdit(msg)
	}
	return nil
}

// EngineChanged takes in a change of the paused flows and messages; the
// command sends the paused messages to the other features
// (wsintercept.PausedMsg).
func (m *Model) EngineChanged() tea.Cmd {
	if m.cfg.Engine != nil {
		m.paused = len(m.cfg.Engine.Paused())
	}
	e := m.cfg.Messages
	if e == nil {
		return nil
	}
	m.msgs = e.PausedMessages()
	snap := wsintercept.PausedMsg{Messages: m.msgs, Breaking: e.BreakingMessages}
	return func() tea.Msg { return snap }
}

// Paused returns how many flows are paused at breakpoints.
func (m *Model) Paused() int { return m.paused }

// PausedMessages returns how many WebSocket messages are paused.
func (m *Model) PausedMessages() int { return len(m.msgs) }

// Hints says what the hint bar offers for f: the keys of a paused flow
// or message, or those of an open WebSocket, where there is a proxy to
// act.
func (m *Model) Hints(f *session.Flow) keymap.Focus {
	switch {
	case f == nil:
	case f.State == session.Intercepted && m.cfg.Engine != nil:
		return keymap.FocusPausedFlow
	case f.Kind != session.WebSocket || m.cfg.Messages == nil || closed(f):
	case len(wsintercept.PausedMsg{Messages: m.msgs}.Of(f.ID)) > 0:
		return keymap.FocusPausedMessage
	default:
		return keymap.FocusWebSocket
	}
	return keymap.FocusNone
}
