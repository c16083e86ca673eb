package intercept

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
)

const messageRules = `
- name: hold
  match: ~d chat.test & ~bq hold
  breakpoint: messages
- name: up
  match: ~bq secret
  rewrite: {messages: {body-replace: [{regex: secret, replace: public}], direction: up}}
- name: both
  match: ~b colour
  rewrite: {messages: {body-replace: [{regex: colour, replace: color}]}}
- name: no spam
  match: ~bs spam
  block: messages
`

func wsFlowAt(url string) *session.Flow {
	f := withResponse(request("GET", url, "Upgrade: websocket"), 101, "")
	f.Kind = session.WebSocket
	return f
}

func wsMessage(dir session.Direction, data string) *session.Message {
	return &session.Message{Dir: dir, Opcode: session.OpText, Data: []byte(data), Size: int64(len(data))}
}

// decideAsync runs DecideMessage, and its Wait in the background.
func decideAsync(ctx context.Context, e *Engine, f *session.Flow, m *session.Message) <-chan MessageDecision {
	ch := make(chan MessageDecision, 1)
	d := e.DecideMessage(ctx, f, m)
	if d.Wait == nil {
		ch <- d
		return ch
	}
	go func() { ch <- d.Wait(ctx) }()
	return ch
}

// decideWait is DecideMessage, waiting when the message is held.
func decideWait(ctx context.Context, e *Engine, f *session.Flow, m *session.Message) MessageDecision {
	d := e.DecideMessage(ctx, f, m)
	if d.Wait != nil {
		d = d.Wait(ctx)
		if d.Wait != nil {
			panic("Wait returned a decision with Wait")
		}
	}
	return d
}

func waitMsgs(t *testing.T, e *Engine, n int) []PausedMessage {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		if ps := e.PausedMessages(); len(ps) == n {
			return ps
		}
		select {
		case <-e.Changed():
		case <-timeout:
			t.Fatalf("want %d paused messages, have %d", n, len(e.PausedMessages()))
		}
	}
}

func receive(t *testing.T, ch <-chan MessageDecision) MessageDecision {
	t.Helper()
	select {
	case d := <-ch:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no decision after 10s")
		return MessageDecision{}
	}
}

func TestMessageRulesDecide(t *testing.T) {
	e, _ := engineWith(t, Config{}, messageRules)
	f := wsFlowAt("http://chat.test/ws")
	ctx := context.Background()
	if !e.WantsMessages(f) {
		t.Fatal("WantsMessages is false with message rules")
	}
	cases := []struct {
		m      *session.Message
		drop   bool
		data   string // "" unchanged
		action string
	}{
		{wsMessage(session.Up, "plain"), false, "", ""},
		{wsMessage(session.Up, "my secret colour"), false, "my public color", `rewritten by rule "up"; rewritten by rule "both"`},
		{wsMessage(session.Down, "my secret colour"), false, "my secret color", `rewritten by rule "both"`},
		{wsMessage(session.Down, "spam!"), true, "", `dropped by rule "no spam"`},
		{wsMessage(session.Up, "spam!"), false, "", ""}, // ~bs: server to client only
	}
	for _, tc := range cases {
		d := e.DecideMessage(ctx, f, tc.m)
		if d.Wait != nil {
			t.Errorf("%s %q: held", tc.m.Dir, tc.m.Data)
		}
		if d.Drop != tc.drop || string(d.Data) != tc.data || d.Action != tc.action || (tc.data == "" && d.Data != nil) {
			t.Errorf("%s %q: %+v, want drop %v data %q action %q", tc.m.Dir, tc.m.Data, d, tc.drop, tc.data, tc.action)
		}
	}
	if string(cases[1].m.Data) != "my secret colour" {
		t.Error("DecideMessage changed the message it was given")
	}
	// HTTP decisions ignore message rules: a message block blocks no request.
	if d := decide(e, RequestPhase, f); d.Action != Pass || !d.plain() {
		t.Errorf("request phase: %+v", d)
	}
	if got := e.Rules(); len(got) != 4 {
		t.Errorf("rules: %+v", got)
	}
}

func TestWantsMessages(t *testing.T) {
	e := New(Config{})
	f := wsFlowAt("http://chat.test/ws")
	if e.WantsMessages(f) {
		t.Error("an empty engine wants messages")
	}
	e.BreakMessages(f.ID, true)
	if !e.WantsMessages(f) || !e.BreakingMessages(f.ID) || e.BreakingMessages("other") {
		t.Error("BreakMessages on: not wanted")
	}
	e.BreakMessages(f.ID, false)
	if e.WantsMessages(f) || e.BreakingMessages(f.ID) {
		t.Error("BreakMessages off: still wanted")
	}
	e2, _ := engineWith(t, Config{}, "- name: a\n  match: ~d elsewhere.test\n  block: messages\n")
	if e2.WantsMessages(f) {
		t.Error("a rule that cannot match the flow makes it want messages")
	}
	if !e2.WantsMessages(wsFlowAt("http://elsewhere.test/")) {
		t.Error("a rule that matches the flow does not")
	}
	e3, _ := engineWith(t, Config{}, "- name: a\n  match: ~all\n  breakpoint: messages\n")
	e3.SetIntercepting(false)
	if e3.WantsMessages(f) {
		t.Error("a message breakpoint wants messages while interception is off")
	}
}

// TestMessagesEndedForgetsTheFlow checks that a closed connection's
// message breakpoint is forgotten, through a Chain too, and no other's.
func TestMessagesEndedForgetsTheFlow(t *testing.T) {
	e := New(Config{})
	e.BreakMessages("closed", true)
	e.BreakMessages("open", true)
	Chain(e).(MessageDecider).MessagesEnded("closed")
	e.MessagesEnded("never seen")
	if e.BreakingMessages("closed") || !e.BreakingMessages("open") {
		t.Error("MessagesEnded forgot the wrong flows")
	}
	e.MessagesEnded("open")
	e.msgs.mu.Lock()
	defer e.msgs.mu.Unlock()
	if len(e.msgs.breaking) != 0 || e.msgs.breakingN.Load() != 0 || len(e.msgs.byID) != 0 {
		t.Errorf("per-flow state left: breaking %v (%d), paused %d", e.msgs.breaking, e.msgs.breakingN.Load(), len(e.msgs.byID))
	}
}

func TestMessageBreakpointForwardEditDrop(t *testing.T) {
	e, _ := engineWith(t, Config{}, messageRules)
	f := wsFlowAt("http://chat.test/ws")
	ctx := context.Background()
	select { // the load's signal
	case <-e.Changed():
	default:
	}

	first := decideAsync(ctx, e, f, wsMessage(session.Up, "hold my secret"))
	waitMsgs(t, e, 1)
	second := decideAsync(ctx, e, f, wsMessage(session.Up, "hold two"))
	ps := waitMsgs(t, e, 2)
	p := ps[0]
	if p.FlowID != f.ID || p.Dir != session.Up || p.Opcode != session.OpText || string(p.Data) != "hold my public" ||
		p.By != `rule "hold"` || p.Deadline.Sub(p.Since) != DefaultTimeout || string(ps[1].Data) != "hold two" || p.ID == ps[1].ID {
		t.Fatalf("paused: %+v", ps)
	}
	// Forward unchanged: as the rules left it.
	if err := e.ForwardMessage(p.ID, nil); err != nil {
		t.Fatal(err)
	}
	if d := receive(t, first); string(d.Data) != "hold my public" || d.Action != `rewritten by rule "up"` || d.Drop {
		t.Errorf("forwarded: %+v", d)
	}
	select {
	case <-e.Changed():
	default:
		t.Error("ForwardMessage did not signal Changed")
	}
	if err := e.ForwardMessage(p.ID, nil); !errors.Is(err, ErrNotPaused) {
		t.Errorf("twice: %v", err)
	}
	// Its own wording (not "flow is not paused"), still an ErrNotPaused
	// for callers that handle both alike.
	if err := e.DropMessage("nope"); !errors.Is(err, ErrNotPaused) || !errors.Is(err, ErrMessageNotPaused) ||
		err.Error() != "drop message nope: intercept: message is not paused" {
		t.Errorf("unknown id: %v", err)
	}
	if err := e.ForwardMessage(ps[1].ID, []byte("bad \xff")); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("invalid UTF-8 for a text message: %v", err)
	}
	if n := len(e.PausedMessages()); n != 1 {
		t.Fatalf("after a refused edit, %d paused", n)
	}
	edit := []byte("edited")
	if err := e.ForwardMessage(ps[1].ID, edit); err != nil {
		t.Fatal(err)
	}
	edit[0] = 'X' // the engine keeps its own copy
	if d := receive(t, second); string(d.Data) != "edited" || d.Action != session.ActionEdited {
		t.Errorf("edited: %+v", d)
	}

	third := decideAsync(ctx, e, f, wsMessage(session.Down, "hold? no: ~bq is up only"))
	if d := receive(t, third); d.Drop || d.Data != nil {
		t.Errorf("down message: %+v", d)
	}
	e.BreakMessages(f.ID, true)
	fourth := decideAsync(ctx, e, f, wsMessage(session.Down, "down, held by the flow's breakpoint"))
	p = waitMsgs(t, e, 1)[0]
	if p.By != "the flow's message breakpoint" || p.Dir != session.Down {
		t.Errorf("paused: %+v", p)
	}
	if err := e.DropMessage(p.ID); err != nil {
		t.Fatal(err)
	}
	if d := receive(t, fourth); !d.Drop || d.Action != session.ActionDropped {
		t.Errorf("dropped: %+v", d)
	}
}

func TestMessageBreakpointTimeoutAndClose(t *testing.T) {
	e, _ := engineWith(t, Config{Timeout: 20 * time.Millisecond}, messageRules)
	f := wsFlowAt("http://chat.test/ws")
	d := decideWait(context.Background(), e, f, wsMessage(session.Up, "hold my secret"))
	if d.Drop || string(d.Data) != "hold my public" || !strings.Contains(d.Note, "intercept timeout") {
		t.Errorf("after the timeout: %+v", d)
	}
	if n := len(e.PausedMessages()); n != 0 {
		t.Errorf("%d still paused", n)
	}

	e, _ = engineWith(t, Config{}, messageRules)
	ctx, cancel := context.WithCancel(context.Background())
	ch := decideAsync(ctx, e, f, wsMessage(session.Up, "hold"))
	waitMsgs(t, e, 1)
	cancel()
	if d := receive(t, ch); !d.Drop || d.Action != session.ActionDropped || !strings.Contains(d.Note, "connection closed") {
		t.Errorf("after the connection closed: %+v", d)
	}
	waitMsgs(t, e, 0)

	// A message larger than the capture limit is not held, and not
	// rewritten: its payload is not whole.
	big := wsMessage(session.Up, "hold my secret")
	big.Truncated, big.Size = true, 1<<30
	if d := decideWait(context.Background(), e, f, big); d.Data != nil || !strings.Contains(d.Note, "not held") || !strings.Contains(d.Note, "not applied") {
		t.Errorf("truncated: %+v", d)
	}
}

// TestSkippedMessageSaysWhatDidNotHappen checks the note for a message
// that went on undecided: it names only what a rule or breakpoint would
// have done to it.
func TestSkippedMessageSaysWhatDidNotHappen(t *testing.T) {
	e, _ := engineWith(t, Config{}, messageRules)
	f := wsFlowAt("http://chat.test/ws")
	const why = "larger than the capture limit"
	cases := []struct {
		m    *session.Message
		want string
	}{
		{wsMessage(session.Up, "my secret"), "not rewritten: " + why},
		{wsMessage(session.Down, "my secret"), ""}, // "up" rewrites only up
		{wsMessage(session.Up, "hold it"), "not held: " + why},
		{wsMessage(session.Up, "hold my colour"), "not held or rewritten: " + why},
		{wsMessage(session.Down, "spam, colour"), "not dropped: " + why},
		{wsMessage(session.Up, "nothing"), ""},
	}
	for _, tc := range cases {
		if got := e.SkippedMessage(f, tc.m, why); got != tc.want {
			t.Errorf("%s %q: %q, want %q", tc.m.Dir, tc.m.Data, got, tc.want)
		}
	}
	e.SetIntercepting(false)
	if got := e.SkippedMessage(f, wsMessage(session.Up, "hold it"), why); got != "" {
		t.Errorf("interception off: %q", got)
	}
	e.BreakMessages(f.ID, true)
	if got := Chain(e).(MessageDecider).SkippedMessage(f, wsMessage(session.Up, "nothing"), why); got != "not held: "+why {
		t.Errorf("the flow's message breakpoint, through a Chain: %q", got)
	}
	for _, r := range e.Rules() {
		if r.Hits != 0 {
			t.Errorf("rule %s counted %d hits for messages it did not act on", r.ID, r.Hits)
		}
	}
}

func TestChainPassesMessageDecisions(t *testing.T) {
	e, _ := engineWith(t, Config{}, messageRules)
	c := Chain(DeciderFunc(func(context.Context, Phase, *session.Flow) Decision { return Decision{} }), e)
	md, ok := c.(MessageDecider)
	if !ok {
		t.Fatal("a Chain is not a MessageDecider")
	}
	f := wsFlowAt("http://chat.test/ws")
	if !md.WantsMessages(f) {
		t.Error("chain: WantsMessages false")
	}
	if d := md.DecideMessage(context.Background(), f, wsMessage(session.Down, "spam")); !d.Drop {
		t.Errorf("chain: %+v", d)
	}
	if Chain(DeciderFunc(func(context.Context, Phase, *session.Flow) Decision { return Decision{} })).(MessageDecider).WantsMessages(f) {
		t.Error("a chain without message deciders wants messages")
	}
}

// TestDocExamplesParse checks that the rules files in the package
// documentation load.
func TestDocExamplesParse(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	var cur strings.Builder
	for _, line := range strings.Split(string(src), "\n") {
		if code, ok := strings.CutPrefix(line, "//\t"); ok {
			cur.WriteString(code + "\n")
			continue
		}
		if cur.Len() > 0 {
			blocks = append(blocks, cur.String())
			cur.Reset()
		}
	}
	if len(blocks) < 2 {
		t.Fatalf("found %d examples in doc.go", len(blocks))
	}
	for _, b := range blocks {
		rules, err := Parse([]byte(b), "doc.go", t.TempDir())
		if err != nil && !strings.Contains(err.Error(), "mock file") { // the first example names a file
			t.Errorf("example does not load: %v\n%s", err, b)
		}
		if err == nil && len(rules) == 0 {
			t.Errorf("example has no rules:\n%s", b)
		}
	}
}

// A paused message's Since is when siphon received it (its Time), so a
// message that waited behind another held one shows the same time paused
// as it does once forwarded; its timeout runs from the hold.
func TestPausedMessageSinceIsItsArrival(t *testing.T) {
	e, _ := engineWith(t, Config{}, messageRules)
	f := wsFlowAt("http://chat.test/ws")
	m := wsMessage(session.Up, "hold two")
	arrived := time.Now().Add(-time.Minute).Truncate(time.Microsecond)
	m.Time = session.StampOf(arrived)
	decideAsync(context.Background(), e, f, m)
	p := waitMsgs(t, e, 1)[0]
	if !p.Since.Equal(arrived) {
		t.Errorf("Since %v, want the message's arrival %v", p.Since, arrived)
	}
	if time.Until(p.Deadline) < DefaultTimeout-time.Minute/2 {
		t.Errorf("Deadline %v runs from the arrival, not the hold", p.Deadline)
	}
}
