// Package breakpoint is what the UI does with flows paused at
// breakpoints: the intercept keys (resume, kill, edit, answer, the
// intercept filter), the round trip of a message through the user's
// editor as raw HTTP, and the edit of a stored request for replay.
package breakpoint

import (
	"os"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/prompt"
	"github.com/siphonproxy/siphon/ui/style"
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
}

// Model handles the intercept keys and the editor's round trips.
type Model struct {
	host   prompt.Host
	cfg    Config
	term   Terminal // nil: Bubble Tea's own exec (under teatest)
	paused int      // flows paused at breakpoints
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

// EngineChanged takes in a change of the paused flows.
func (m *Model) EngineChanged() {
	if m.cfg.Engine != nil {
		m.paused = len(m.cfg.Engine.Paused())
	}
}

// Paused returns how many flows are paused at breakpoints.
func (m *Model) Paused() int { return m.paused }

// Hints reports whether the hint bar offers the intercept keys for f: it
// is paused and there is a proxy to resolve it.
func (m *Model) Hints(f *session.Flow) bool {
	return f != nil && f.State == session.Intercepted && m.cfg.Engine != nil
}
