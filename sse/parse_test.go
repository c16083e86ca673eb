package sse

import (
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name, in string
		want     []Event
	}{
		{"multi-line data", "data: YHOO\ndata: +2\ndata: 10\n\n",
			[]Event{{Data: "YHOO\n+2\n10", Retry: -1, Start: 0, End: 30}}},
		{"comments, ids and types", ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n",
			[]Event{{Data: "first event", ID: "1", Retry: -1, Start: 15, End: 40},
				{Data: "second event", Retry: -1, Start: 40, End: 62},
				{Data: " third event", Retry: -1, Start: 62, End: 82}}},
		{"empty data and unended last event", "data\n\ndata\ndata\n\ndata:",
			[]Event{{Retry: -1, Start: 0, End: 6}, {Data: "\n", Retry: -1, Start: 6, End: 17}}},
		{"space after colon is optional", "data:test\n\ndata: test\n\n",
			[]Event{{Data: "test", Retry: -1, Start: 0, End: 11}, {Data: "test", Retry: -1, Start: 11, End: 23}}},
		{"event type, retry, unknown field", "event: add\nretry: 3000\nfoo: bar\ndata: 73857293\n\nretry: 1x\ndata: x\n\n",
			[]Event{{Type: "add", Data: "73857293", Retry: 3000, Start: 0, End: 48},
				{Data: "x", Retry: -1, Start: 48, End: 67}}},
		{"CRLF and CR line ends", "event: a\r\ndata: 1\r\n\r\ndata: 2\rdata: 3\r\r",
			[]Event{{Type: "a", Data: "1", Retry: -1, Start: 0, End: 20}, {Data: "2\n3", Retry: -1, Start: 21, End: 38}}},
		{"byte order mark", "\xef\xbb\xbfdata: bom\n\n", []Event{{Data: "bom", Retry: -1, Start: 3, End: 14}}},
		{"only the first BOM is skipped", "\xef\xbb\xbf\xef\xbb\xbfdata: x\n\n", nil},
		{"id with NUL is ignored", "id: 7\ndata: a\n\nid: 8\x009\ndata: b\n\n",
			[]Event{{ID: "7", Data: "a", Retry: -1, Start: 0, End: 15}, {ID: "7", Data: "b", Retry: -1, Start: 15, End: 32}}},
		{"block without data dispatches nothing", "event: x\nid: 5\n\ndata: y\n\n",
			[]Event{{ID: "5", Data: "y", Retry: -1, Start: 16, End: 25}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, sizes := range [][]int{nil, {1}, {2, 3}} {
				got := feedIn(c.in, sizes)
				if !reflect.DeepEqual(got, c.want) {
					t.Errorf("chunks %v:\n got %+v\nwant %+v", sizes, got, c.want)
				}
			}
		})
	}
}

// feedIn feeds in to a new Parser in pieces of the given sizes (cycled;
// all at once when sizes is empty).
func feedIn(in string, sizes []int) []Event {
	var p Parser
	var got []Event
	b := []byte(in)
	for i := 0; len(b) > 0; i++ {
		n := len(b)
		if len(sizes) > 0 {
			n = min(sizes[i%len(sizes)], len(b))
		}
		got = append(got, p.Feed(b[:n])...)
		b = b[n:]
	}
	if p.Fed() != int64(len(in)) {
		panic("Fed does not count every byte")
	}
	return got
}

func TestParserOnAGrowingBody(t *testing.T) {
	body, err := os.ReadFile("testdata/unknown-ticker.sse")
	if err != nil {
		t.Fatal(err)
	}
	// The UI re-reads the captured body as it grows and feeds what is new.
	var p Parser
	var got []Event
	rnd := rand.New(rand.NewPCG(3, 4))
	for grown := 0; grown < len(body); {
		grown = min(len(body), grown+1+rnd.IntN(40))
		got = append(got, p.Feed(body[p.Fed():grown])...)
	}
	want := []Event{
		{Type: "price", ID: "1", Data: `{"symbol":"ACME","price":101.5}`, Retry: 5000, Start: 27, End: 97},
		{Type: "price", ID: "2", Data: "{\"symbol\":\"ACME\",\n \"price\":101.7}", Retry: -1, Start: 97, End: 163},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if !p.Pending() || p.Comments() != 2 {
		t.Errorf("pending %v, comments %d", p.Pending(), p.Comments())
	}
	if got := p.Feed([]byte("\n")); len(got) != 1 || got[0].Data != "trading halted" || got[0].Type != "halt" || p.Pending() {
		t.Errorf("the last event once its blank line came: %+v, pending %v", got, p.Pending())
	}
	if !strings.HasPrefix(string(body[want[0].Start:]), "retry: 5000") {
		t.Errorf("Start does not point at the event's first line")
	}
}

// FuzzParse checks that feeding a stream in pieces gives the events of
// feeding it whole, and that nothing panics.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"openai-chat.sse", "anthropic-messages.sse", "unknown-ticker.sse"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b[:min(len(b), 400)]), uint8(3))
	}
	f.Add("\xef\xbb\xbfdata: a\r\n\r\ndata: b\r\r", uint8(1))
	f.Fuzz(func(t *testing.T, in string, size uint8) {
		whole := feedIn(in, nil)
		pieces := feedIn(in, []int{int(size%16) + 1})
		if !reflect.DeepEqual(whole, pieces) {
			t.Fatalf("whole %+v\npieces %+v", whole, pieces)
		}
		for _, e := range whole {
			if e.Start < 0 || e.End > int64(len(in)) || e.Start >= e.End {
				t.Fatalf("offsets %d-%d of %d bytes", e.Start, e.End, len(in))
			}
		}
	})
}
