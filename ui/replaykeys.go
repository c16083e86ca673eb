package ui

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/replay"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/prompt"
	"github.com/siphonproxy/siphon/ui/style"
)

// replayFlow re-sends f (its request as stored: as captured, or as edited)
// through the proxy, off the event loop; the replay arrives in the list as
// a new flow marked ↻.
func (m *Model) replayFlow(f *session.Flow) tea.Cmd {
	s := m.opts.sender
	if s == nil {
		return m.say(keymap.NoProxy)
	}
	ctx, get, id, seq := m.ctx, m.store.Get, f.ID, f.Seq
	return tea.Batch(m.say(fmt.Sprintf("replaying flow #%d…", seq)), func() tea.Msg {
		g, err := get(id)
		if err != nil {
			return prompt.Status{Text: fmt.Sprintf("replay flow #%d: %v", seq, err)}
		}
		return prompt.Status{Text: describeReplay(s.Send(ctx, g), get)}
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
	return fmt.Sprintf("%s: %d, %s in %s", what, res.Status, style.FormatSize(res.Size), style.FormatDuration(res.Duration))
}

// replayPlanMsg carries the flows ctrl+r would replay, listed off the
// event loop.
type replayPlanMsg struct {
	flows []*session.Flow
	// unsafe are the methods among them that may change something on the
	// server (not GET, HEAD, OPTIONS or TRACE), each with its count, in
	// the order first met.
	unsafe []methodCount
}

type methodCount struct {
	method string
	n      int
}

// replayShown re-sends every flow the list shows (the view filter and the
// marked-only switch apply), one after another in the order they were
// captured. Tunnels and WebSockets are left out. When the flows include
// requests that may change something on the server (POST, PUT, PATCH,
// DELETE...), it asks first, saying how many; a set of only GET, HEAD,
// OPTIONS and TRACE is replayed at once, as r replays one flow.
func (m *Model) replayShown() tea.Cmd {
	if m.opts.sender == nil {
		return m.say(keymap.NoProxy)
	}
	var match session.Matcher
	if m.filter != nil || m.markedOnly {
		match = queryMatcher{f: m.filter, markedOnly: m.markedOnly}
	}
	store := m.store
	return func() tea.Msg { return planReplay(store, match) }
}

// planReplay lists the flows that match and can be replayed.
func planReplay(store *session.Store, match session.Matcher) replayPlanMsg {
	var p replayPlanMsg
	for _, f := range store.List(match, 0, -1) {
		if f.Kind != session.HTTP || f.Request == nil || f.Request.Method == http.MethodConnect {
			continue
		}
		p.flows = append(p.flows, f)
		switch method := f.Request.Method; method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		default:
			i := slices.IndexFunc(p.unsafe, func(c methodCount) bool { return c.method == method })
			if i < 0 {
				i = len(p.unsafe)
				p.unsafe = append(p.unsafe, methodCount{method: method})
			}
			p.unsafe[i].n++
		}
	}
	return p
}

// replayPlanned replays the planned flows, asking first when some of them
// may change something on the server.
func (m *Model) replayPlanned(p replayPlanMsg) tea.Cmd {
	if len(p.flows) == 0 {
		return m.say("no flow shown can be replayed")
	}
	run := func() tea.Cmd {
		ctx, s, store, flows := m.ctx, m.opts.sender, m.store, p.flows
		return tea.Batch(m.say(fmt.Sprintf("replaying %d flows…", len(flows))), func() tea.Msg {
			return prompt.Status{Text: replayAll(ctx, s, store, flows)}
		})
	}
	if len(p.unsafe) == 0 {
		return run()
	}
	if m.prompt != nil {
		// A question asked meanwhile (f, ;...) is not replaced.
		return m.say("replay all: not replayed, answer the open question first")
	}
	n, methods := 0, make([]string, 0, len(p.unsafe))
	for _, c := range p.unsafe {
		n += c.n
		methods = append(methods, style.Printable(c.method))
	}
	return m.Confirm(fmt.Sprintf("replay %d flows, %d of them %s?", len(p.flows), n, strings.Join(methods, "/")), run)
}

func replayAll(ctx context.Context, s *replay.Sender, store *session.Store, flows []*session.Flow) string {
	r := &replay.Runner{Sender: s, Concurrency: 1, Load: func(f *session.Flow) (*session.Flow, error) { return store.Get(f.ID) }}
	sum := r.Run(ctx, flows)
	return fmt.Sprintf("replayed %d flows: %s", len(flows), sum)
}
