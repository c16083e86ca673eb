package export

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/replay"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/prompt"
	"github.com/siphonproxy/siphon/ui/style"
)

// fakeHost records what the exports say and ask.
type fakeHost struct {
	said     []string
	question string
	yes      func() tea.Cmd
}

func (h *fakeHost) Say(text string) tea.Cmd {
	h.said = append(h.said, text)
	return nil
}
func (h *fakeHost) Ask(string, string, func(string) error, func(string) tea.Cmd) tea.Cmd { return nil }
func (h *fakeHost) Confirm(q string, then func() tea.Cmd) tea.Cmd {
	h.question, h.yes = q, then
	return nil
}
func (h *fakeHost) Asking() bool                                               { return h.yes != nil }
func (h *fakeHost) Choose(string, []prompt.Choice, func(rune) tea.Cmd) tea.Cmd { return nil }

// fakeStore holds flows in memory.
type fakeStore []*session.Flow

func (s fakeStore) Get(id string) (*session.Flow, error) {
	for _, f := range s {
		if f.ID == id {
			return f, nil
		}
	}
	return nil, errors.New("no such flow")
}
func (s fakeStore) List(session.Matcher, int, int) []*session.Flow { return s }

// fakeSender records what it would send.
type fakeSender struct{ sent []string }

func (s *fakeSender) Send(_ context.Context, f *session.Flow) replay.Result {
	s.sent = append(s.sent, f.ID)
	return replay.Result{Flow: f, Status: 200}
}
func (s *fakeSender) SendAll(_ context.Context, flows []*session.Flow, load func(*session.Flow) (*session.Flow, error)) replay.Summary {
	for _, f := range flows {
		g, _ := load(f)
		s.sent = append(s.sent, g.ID)
	}
	return replay.Summary{Count: len(flows)}
}

type fakeClip struct{ text string }

func (c *fakeClip) Copy(text string) (string, error) {
	c.text = text
	return "a fake", nil
}

func flow(id string, seq int64, method string) *session.Flow {
	return &session.Flow{ID: id, Seq: seq, Kind: session.HTTP,
		Request: &session.Request{Method: method, URL: "http://h.test/" + id, Proto: "HTTP/1.1", Header: http.Header{}}}
}

// run runs cmd and the commands it batches, and returns the status
// messages they end with.
func run(cmd tea.Cmd) []string {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case prompt.Status:
		return []string{msg.Text}
	case tea.BatchMsg:
		var out []string
		for _, c := range msg {
			out = append(out, run(c)...)
		}
		return out
	}
	return nil
}

// ctrl+r lists the flows off the event loop, asks before replaying a set
// with a POST, and replays them all (loaded through the store) on yes.
func TestReplayShownAsksBeforeUnsafe(t *testing.T) {
	store := fakeStore{flow("a", 1, "GET"), flow("b", 2, "POST")}
	sender := &fakeSender{}
	host := &fakeHost{}
	m := New(context.Background(), host, Config{Store: store, Sender: sender, Keys: keymap.Default(), Styles: style.NewStyles(style.DefaultTheme())})
	plan := m.ReplayShown(nil)()
	if cmd := m.Update(plan); cmd != nil || len(sender.sent) != 0 {
		t.Fatalf("replayed before asking: %v", sender.sent)
	}
	if want := "replay 2 flows, 1 of them POST?"; host.question != want {
		t.Fatalf("asked %q, want %q", host.question, want)
	}
	got := run(host.yes())
	if strings.Join(sender.sent, ",") != "a,b" || len(got) != 1 || !strings.HasPrefix(got[0], "replayed 2 flows: ") {
		t.Errorf("on yes: sent %v, said %q", sender.sent, got)
	}
}

// c copies the flow as curl, read with its bodies from the store, in the
// command it returns; without a Sender, r says there is no proxy.
func TestCopyCurlAndNoProxy(t *testing.T) {
	store := fakeStore{flow("a", 7, "GET")}
	clip := &fakeClip{}
	host := &fakeHost{}
	m := New(context.Background(), host, Config{Store: store, Clip: clip, Keys: keymap.Default(), Styles: style.NewStyles(style.DefaultTheme())})
	cmd := m.Key(keymap.ActCopyCurl, store[0])
	if clip.text != "" {
		t.Fatal("copied on the event loop")
	}
	got := run(cmd)
	if !strings.Contains(clip.text, "curl") || !strings.Contains(clip.text, "http://h.test/a") ||
		len(got) != 1 || !strings.HasPrefix(got[0], "copied flow #7 as curl command") {
		t.Errorf("copied %q, said %q", clip.text, got)
	}
	if m.Key(keymap.ActReplay, store[0]); len(host.said) != 1 || host.said[0] != keymap.NoProxy {
		t.Errorf("r without a sender said %q", host.said)
	}
}
