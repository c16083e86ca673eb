package flowview

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
)

// fakeMessages is a MessageSource over a slice, or over gen for a flow of
// many messages made on demand; it records the largest window asked.
type fakeMessages struct {
	mu      sync.Mutex
	msgs    []session.Message
	gen     func(seq int64) session.Message // with n: messages 1..n made on demand
	n       int64
	seen    int64 // past the cap: more seen than stored
	maxN    int
	fetched int
}

func (s *fakeMessages) add(m ...session.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range m {
		x.Seq = int64(len(s.msgs)) + 1
		s.msgs = append(s.msgs, x)
	}
}

func (s *fakeMessages) MessageStats(string) session.MessageStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := int64(len(s.msgs))
	if s.gen != nil {
		n = s.n
	}
	return session.MessageStats{Stored: n, Seen: n + s.seen}
}

func (s *fakeMessages) Messages(_ string, offset, n int) ([]session.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxN = max(s.maxN, n)
	var out []session.Message
	if s.gen != nil {
		for seq := int64(offset) + 1; seq <= min(int64(offset+n), s.n); seq++ {
			out = append(out, s.gen(seq))
		}
	} else {
		out = append(out, s.msgs[min(offset, len(s.msgs)):min(offset+n, len(s.msgs))]...)
	}
	s.fetched += len(out)
	return out, nil
}

// run runs cmd and feeds what it produces back to v until nothing is
// left, as the program would, but for the spinner's ticks.
func run(t *testing.T, v *Model, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 1000 {
			t.Fatal("the commands never settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case spinner.TickMsg, nil:
		default:
			queue = append(queue, v.Update(msg))
		}
	}
}

var wsStart = session.StampOf(base)

func wsFlow(state session.State) *session.Flow {
	return &session.Flow{ID: "ws", Seq: 7, State: state, Kind: session.WebSocket,
		Request:  &session.Request{Method: "GET", URL: "http://chat.test/socket", Proto: "HTTP/1.1"},
		Response: &session.Response{Status: 101, Reason: "Switching Protocols", Proto: "HTTP/1.1"},
		Timings:  session.Timings{RequestReceived: wsStart}}
}

func msgAt(ms int, dir session.Direction, op session.Opcode, data string) session.Message {
	return session.Message{Dir: dir, Time: wsStart.Add(time.Duration(ms) * time.Millisecond), Opcode: op,
		Data: []byte(data), Size: int64(len(data))}
}

// openMessages opens flow f over src in a w×h view, on its Messages tab.
func openMessages(t *testing.T, f *session.Flow, src MessageSource, w, h int) *Model {
	t.Helper()
	v := New(quietHost{}, func(string) (*session.Flow, error) { return f, nil }, keymap.Default(),
		style.NewStyles(style.DefaultTheme()), time.UTC, WithMessages(src))
	v.SetSize(w, h)
	run(t, v, v.Open(f.ID))
	v.SetTab(TabMessages)
	return v
}

func screen(v *Model) string { return ansi.Strip(v.View()) }

func key(t *testing.T, v *Model, a keymap.Action) {
	t.Helper()
	run(t, v, v.Update(keymap.Default().KeyMsg(keymap.ScopeMessages, a)))
}

// The Messages tab lists each message (direction, time since the flow
// began, size, type, preview) and shows the selected one in full: JSON
// pretty-printed, binary as hex, a close message's code and reason.
func TestMessagesListAndDetail(t *testing.T) {
	src := &fakeMessages{}
	src.add(msgAt(12, session.Up, session.OpText, `{"type":"hello","user":"ada"}`),
		msgAt(40, session.Down, session.OpBinary, "\x00\x01\x02\xffPNG"),
		msgAt(1500, session.Down, session.OpClose, string(session.ClosePayload(1001, "server restart"))))
	v := openMessages(t, wsFlow(session.Done), src, 100, 30)
	s := screen(v)
	for _, want := range []string{"[Messages]", "message 3 of 3 · connection closed · follow: on (F)",
		" ↑      1     +12ms      29B text         {\"type\":\"hello\",\"user\":\"ada\"}",
		" ↓      2     +40ms       7B binary       00 01 02 ff 50 4e 47",
		"▸↓      3    +1.50s      16B close 1001   server restart", "─ message 3 ↓ close 1001 16B at +1.50s ───",
		"close code 1001 (going away)", "reason: server restart"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	key(t, v, keymap.ActPrevMessage)
	if s := screen(v); !strings.Contains(s, "00000000  00 01 02 ff 50 4e 47") || !strings.Contains(s, "follow: off") {
		t.Errorf("binary message not shown as hex, or still following:\n%s", s)
	}
	key(t, v, keymap.ActPrevMessage)
	if s := screen(v); !strings.Contains(s, `  "type": "hello",`) || !strings.Contains(s, "▸↑      1") {
		t.Errorf("JSON message not pretty-printed:\n%s", s)
	}
	// A view mode applies to messages too.
	run(t, v, v.Update(keymap.Default().KeyMsg(keymap.ScopeFlow, keymap.ActViewMode)))
	run(t, v, v.Update(keymap.Default().KeyMsg(keymap.ScopeFlow, keymap.ActViewMode)))
	if s := screen(v); !strings.Contains(s, "00000000  7b 22 74 79") {
		t.Errorf("hex mode does not show the message in hex:\n%s", s)
	}
}

// The tab is only for WebSocket flows: another flow opened from the
// Messages tab opens on its Request tab, without Messages in the bar.
func TestMessagesTabOnlyForWebSocket(t *testing.T) {
	plain := wsFlow(session.Done)
	plain.ID, plain.Kind = "plain", session.HTTP
	flows := map[string]*session.Flow{"ws": wsFlow(session.Done), "plain": plain}
	v := New(quietHost{}, func(id string) (*session.Flow, error) { return flows[id], nil }, keymap.Default(),
		style.NewStyles(style.DefaultTheme()), time.UTC, WithMessages(&fakeMessages{}))
	v.SetSize(100, 30)
	run(t, v, v.Open("ws"))
	v.SetTab(TabMessages)
	if s := screen(v); !strings.Contains(s, "[Messages]") || !strings.Contains(s, "no messages yet") {
		t.Errorf("a WebSocket flow without messages:\n%s", s)
	}
	run(t, v, v.Open("plain"))
	if bar := strings.Split(screen(v), "\n")[1]; strings.Contains(bar, "Messages") || v.Tab() != TabRequest {
		t.Errorf("an HTTP flow: tab %d, tab bar %q", v.Tab(), bar)
	}
}

// While the connection is open, messages that arrive are listed and the
// newest selected (follow mode); moving the selection stops following,
// and the follow key starts it again at the newest.
func TestMessagesFollowLive(t *testing.T) {
	src := &fakeMessages{}
	src.add(msgAt(1, session.Up, session.OpText, "first"))
	v := openMessages(t, wsFlow(session.Pending), src, 100, 30)
	if s := screen(v); !strings.Contains(s, "message 1 of 1 · connection open · follow: on") {
		t.Fatalf("screen:\n%s", s)
	}
	for i := 2; i <= 30; i++ {
		src.add(msgAt(i, session.Down, session.OpText, fmt.Sprintf("tick %d", i)))
	}
	run(t, v, v.StoreChanged())
	if s := screen(v); !strings.Contains(s, "message 30 of 30") || !strings.Contains(s, "tick 30") || strings.Contains(s, "first") {
		t.Errorf("not following the newest:\n%s", s)
	}
	key(t, v, keymap.ActPrevMessage)
	src.add(msgAt(40, session.Down, session.OpText, "tick 31"))
	run(t, v, v.StoreChanged())
	if s := screen(v); !strings.Contains(s, "message 29 of 31 · connection open · follow: off") {
		t.Errorf("the selection moved while not following:\n%s", s)
	}
	key(t, v, keymap.ActFollow)
	if s := screen(v); !strings.Contains(s, "message 31 of 31") || !strings.Contains(s, "follow: on") {
		t.Errorf("follow did not go to the newest:\n%s", s)
	}
}

// A flow of 100,000 messages loads a few screens of them, however far
// the selection goes.
func TestMessagesWindowed(t *testing.T) {
	src := &fakeMessages{n: 100_000, gen: func(seq int64) session.Message {
		m := msgAt(int(seq), session.Direction(seq%2), session.OpText, fmt.Sprintf(`{"n":%d}`, seq))
		m.Seq = seq
		return m
	}}
	v := openMessages(t, wsFlow(session.Done), src, 100, 30)
	if s := screen(v); !strings.Contains(s, "message 100000 of 100000") || !strings.Contains(s, `"n": 100000`) {
		t.Fatalf("screen:\n%s", s)
	}
	rows := v.msgRows()
	for range 3 * rows {
		key(t, v, keymap.ActPrevMessage)
	}
	want := 100_000 - 3*rows
	if s := screen(v); !strings.Contains(s, fmt.Sprintf("message %d of 100000", want)) || !strings.Contains(s, fmt.Sprintf(`"n": %d`, want)) {
		t.Errorf("after %d up: screen:\n%s", 3*rows, s)
	}
	if src.maxN > 3*rows || src.fetched > 10*rows {
		t.Errorf("loaded windows of up to %d, %d messages in all; want a few screens (%d rows)", src.maxN, src.fetched, rows)
	}
}

// The cap, cut payloads and notes are visible.
func TestMessagesCapCutAndNotes(t *testing.T) {
	src := &fakeMessages{seen: 5}
	cut := msgAt(3, session.Down, session.OpText, `{"items":[1,2`)
	cut.Size, cut.Truncated = 4<<20, true
	bad := msgAt(5, session.Up, session.OpText, "caf\xe9")
	bad.Note = "invalid UTF-8 in a text message"
	src.add(cut, bad)
	v := openMessages(t, wsFlow(session.Done), src, 100, 30)
	s := screen(v)
	for _, want := range []string{"message cap reached: 2 messages stored, 5 more only counted",
		"4.0MiB text         ✂ {\"items\":[1,2", "⚠ caf", "note: invalid UTF-8 in a text message"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	key(t, v, keymap.ActPrevMessage)
	if s := screen(v); !strings.Contains(s, "captured 13B of 4.0MiB: the body was cut at the capture limit") {
		t.Errorf("the cut message does not say so:\n%s", s)
	}
}

// A large message is rendered by a command, then shown.
func TestMessagesLargeRenderedOffTheLoop(t *testing.T) {
	src := &fakeMessages{}
	big := `{"rows":[` + strings.Repeat(`{"id":1,"name":"row"},`, 2000) + `{"id":2,"name":"last"}]}`
	src.add(msgAt(1, session.Down, session.OpText, big))
	v := openMessages(t, wsFlow(session.Done), src, 100, 30)
	if len(big) <= syncRenderCap {
		t.Fatalf("the message (%d bytes) is not large", len(big))
	}
	run(t, v, v.Update(keymap.Default().KeyMsg(keymap.ScopePager, keymap.ActBottom)))
	if s := screen(v); !strings.Contains(s, `"name": "last"`) {
		t.Errorf("the large message was not rendered:\n%s", s)
	}
}
