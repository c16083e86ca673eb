package export

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
	s := m.cfg.Sender
	if s == nil {
		return m.host.Say(keymap.NoProxy)
	}
	ctx, get, id, seq := m.ctx, m.cfg.Store.Get, f.ID, f.Seq
	return tea.Batch(m.host.Say(fmt.Sprintf("replaying flow #%d…", seq)), func() tea.Msg {
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

// planMsg carries the flows ctrl+r would replay, listed off the
// event loop.
type planMsg struct {
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

// ReplayShown re-sends every flow that match matches (nil: all): the
// flows the list shows, with its filter and marked-only switch, one after
// another in the order they were captured. Tunnels and WebSockets are
// left out. When the flows include requests that may change something on
// the server (POST, PUT, PATCH, DELETE...), it asks first, saying how
// many; a set of only GET, HEAD, OPTIONS and TRACE is replayed at once,
// as r replays one flow. The flows are listed by the command returned,
// whose message goes to Update.
func (m *Model) ReplayShown(match session.Matcher) tea.Cmd {
	if m.cfg.Sender == nil {
		return m.host.Say(keymap.NoProxy)
	}
	store := m.cfg.Store
	return func() tea.Msg { return planReplay(store, match) }
}

// Update takes in the flows ReplayShown listed.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if p, ok := msg.(planMsg); ok {
		return m.replayPlanned(p)
	}
	return nil
}

// planReplay lists the flows that match and can be replayed.
func planReplay(store Store, match session.Matcher) planMsg {
	var p planMsg
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
func (m *Model) replayPlanned(p planMsg) tea.Cmd {
	if len(p.flows) == 0 {
		return m.host.Say("no flow shown can be replayed")
	}
	run := func() tea.Cmd {
		ctx, s, get, flows := m.ctx, m.cfg.Sender, m.cfg.Store.Get, p.flows
		return tea.Batch(m.host.Say("replaying "+style.Count(len(flows), "flow")+"…"), func() tea.Msg {
			sum := s.SendAll(ctx, flows, func(f *session.Flow) (*session.Flow, error) { return get(f.ID) })
			return prompt.Statusf("replayed %s: %s", style.Count(len(flows), "flow"), sum)
		})
	}
	if len(p.unsafe) == 0 {
		return run()
	}
	if m.host.Asking() {
		// A question asked meanwhile (f, ;...) is not replaced.
		return m.host.Say("replay all: not replayed, answer the open question first")
	}
	n, methods := 0, make([]string, 0, len(p.unsafe))
	for _, c := range p.unsafe {
		n += c.n
		methods = append(methods, style.Printable(c.method))
	}
	return m.host.Confirm(fmt.Sprintf("replay %s, %d of them %s?", style.Count(len(p.flows), "flow"), n, strings.Join(methods, "/")), run)
}

// Sender re-sends flows through the proxy.
type Sender interface {
	// Send re-sends one flow (replay.Sender.Send).
	Send(ctx context.Context, f *session.Flow) replay.Result
	// SendAll re-sends flows one after another, each read with load
	// first, and sums the run up.
	SendAll(ctx context.Context, flows []*session.Flow, load func(*session.Flow) (*session.Flow, error)) replay.Summary
}

// ReplaySender is the Sender of a replay.Sender.
func ReplaySender(s *replay.Sender) Sender { return replaySender{s} }

type replaySender struct{ *replay.Sender }

func (s replaySender) SendAll(ctx context.Context, flows []*session.Flow, load func(*session.Flow) (*session.Flow, error)) replay.Summary {
	r := &replay.Runner{Sender: s.Sender, Concurrency: 1, Load: load}
	return r.Run(ctx, flows)
}
