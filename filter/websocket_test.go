package filter

import (
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// wsFlowWith returns a WebSocket flow whose Messages yield msgs, as a
// Store sets it for body matchers, counting what was read.
func wsFlowWith(read *int, msgs ...session.Message) *session.Flow {
	f := baseFlow()
	f.Kind = session.WebSocket
	f.Request.Body, f.Response.Body = session.Body{}, session.Body{}
	f.Messages = func(yield func(session.Message) bool) {
		for _, m := range msgs {
			*read++
			if !yield(m) {
				return
			}
		}
	}
	return f
}

func TestBodyOperatorsMatchWebSocketMessages(t *testing.T) {
	up := func(s string) session.Message {
		return session.Message{Dir: session.Up, Opcode: session.OpText, Data: []byte(s)}
	}
	down := func(s string) session.Message {
		return session.Message{Dir: session.Down, Opcode: session.OpBinary, Data: []byte(s)}
	}
	msgs := []session.Message{up(`{"op":"subscribe"}`), down("tick 1"), down("tick 2"), up("bye"),
		{Dir: session.Down, Opcode: session.OpClose, Data: session.ClosePayload(4001, "gone away")}}
	cases := []struct {
		expr string
		want bool
	}{
		{"~b subscribe", true},
		{"~b tick", true},
		{"~bq subscribe", true},
		{"~bs subscribe", false},
		{"~bs tick", true},
		{"~bq tick", false},
		{"~bq ^bye$", true},
		{"~bs 'gone away'", true},
		{"~b nowhere", false},
		{"~websocket & ~bs TICK", true},
	}
	for _, tc := range cases {
		f, err := Parse(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		read := 0
		if got := f.Match(wsFlowWith(&read, msgs...)); got != tc.want {
			t.Errorf("%q = %v, want %v", tc.expr, got, tc.want)
		}
		if read > len(msgs) {
			t.Errorf("%q read %d messages of %d", tc.expr, read, len(msgs))
		}
	}
	// Matching stops at the first hit.
	read := 0
	if !mustParse(t, "~bq subscribe").Match(wsFlowWith(&read, msgs...)) || read != 1 {
		t.Errorf("~bq subscribe read %d messages to its hit, want 1", read)
	}
	// A flow without Messages (not handed over by a Store) has none.
	f := wsFlowWith(&read, msgs...)
	f.Messages = nil
	if mustParse(t, "~b tick").Match(f) {
		t.Error("~b matched messages the flow does not carry")
	}
}
