package ui

import (
	"context"
	"fmt"
	"net/http"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/replay"
	"github.com/siphonproxy/siphon/session"
)

// replayFlow re-sends f (its request as stored: as captured, or as edited)
// through the proxy, off the event loop; the replay arrives in the list as
// a new flow marked ↻.
func (m *Model) replayFlow(f *session.Flow) tea.Cmd {
	s := m.opts.sender
	if s == nil {
		return m.say(noProxy)
	}
	ctx, get, id, seq := m.ctx, m.store.Get, f.ID, f.Seq
	return tea.Batch(m.say(fmt.Sprintf("replaying flow #%d…", seq)), func() tea.Msg {
		g, err := get(id)
		if err != nil {
			return statusMsg{fmt.Sprintf("replay flow #%d: %v", seq, err)}
		}
		return statusMsg{describeReplay(s.Send(ctx, g), get)}
	})
}

// describeReplay is one replay's outcome for the status bar.
func describeReplay(res replay.Result, get func(string) (*session.Flow, error)) string {
	what := fmt.Sprintf("replayed flow #%d", res.Flow.Seq)
	if res.FlowID != "" {
		if g, err := get(res.FlowID); err == nil {
			what += fmt.Sprintf(" as #%d", g.Seq)
		}
	}
	if res.Err != nil {
		return fmt.Sprintf("%s: failed: %v", what, res.Err)
	}
	return fmt.Sprintf("%s: %d, %s in %s", what, res.Status, FormatSize(res.Size), FormatDuration(res.Duration))
}

// replayShown re-sends every flow the list shows (the view filter and the
// marked-only switch apply), one after another in the order they were
// captured. Tunnels and WebSockets are left out.
func (m *Model) replayShown() tea.Cmd {
	s := m.opts.sender
	if s == nil {
		return m.say(noProxy)
	}
	var match session.Matcher
	if m.filter != nil || m.markedOnly {
		match = queryMatcher{f: m.filter, markedOnly: m.markedOnly}
	}
	ctx, store := m.ctx, m.store
	return tea.Batch(m.say("replaying the flows shown…"), func() tea.Msg {
		return statusMsg{replayAll(ctx, s, store, match)}
	})
}

func replayAll(ctx context.Context, s *replay.Sender, store *session.Store, match session.Matcher) string {
	var flows []*session.Flow
	for _, f := range store.List(match, 0, -1) {
		if f.Kind == session.HTTP && f.Request != nil && f.Request.Method != http.MethodConnect {
			flows = append(flows, f)
		}
	}
	if len(flows) == 0 {
		return "no flow shown can be replayed"
	}
	r := &replay.Runner{Sender: s, Concurrency: 1, Load: func(f *session.Flow) (*session.Flow, error) { return store.Get(f.ID) }}
	sum := r.Run(ctx, flows)
	return fmt.Sprintf("replayed %d flows: %s", len(flows), sum)
}
