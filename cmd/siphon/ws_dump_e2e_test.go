package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"
)

// wantMessageLines match the lines siphon dump --ws-messages prints for
// the messages of converse, in order.
var wantMessageLines = func() []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, p := range []string{
		`→ +\+\d+\.\d{3}s +13B text +hello, 世界`,
		`← +\+\d+\.\d{3}s +13B text +hello, 世界`,
		`→ +\+\d+\.\d{3}s +256B binary 000102030405060708090a0b0c0d0e0f1011121314151617…`,
		`← +\+\d+\.\d{3}s +256B binary 000102030405060708090a0b0c0d0e0f1011121314151617…`,
		`→ +\+\d+\.\d{3}s +10B text +fragmented`,
		`← +\+\d+\.\d{3}s +10B text +fragmented`,
		`→ +\+\d+\.\d{3}s +0B binary`,
		`← +\+\d+\.\d{3}s +0B binary`,
		`→ +\+\d+\.\d{3}s +300\.0KiB text +\{"tick":12345,"price":"99\.5"\},\{"tick":12345,"price":"99\.5"\},…`,
		`← +\+\d+\.\d{3}s +300\.0KiB text +\{"tick":12345,"price":"99\.5"\},\{"tick":12345,"price":"99\.5"\},…`,
		`→ +\+\d+\.\d{3}s +6B close +4001 "done"`,
		`← +\+\d+\.\d{3}s +6B close +4001 "done"`,
	} {
		out = append(out, regexp.MustCompile("^  "+p+"$"))
	}
	return out
}()

// checkMessageLines finds the line of the flow for url in out and checks
// the message lines under it.
func checkMessageLines(t *testing.T, what, out, url string) {
	t.Helper()
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if !strings.Contains(l, " GET "+url+" -> 101 ") {
			continue
		}
		got := lines[i+1:]
		for j, re := range wantMessageLines {
			if j >= len(got) || !re.MatchString(got[j]) {
				t.Errorf("%s: message line %d = %q, want %s\n%s", what, j+1, got[min(j, len(got)-1)], re, out)
				return
			}
		}
		return
	}
	t.Errorf("%s: no line for %s:\n%s", what, url, out)
}

// TestDumpPrintsWebSocketMessages checks siphon dump --ws-messages, live
// and with --read, and that --filter's ~bq and ~bs reach the messages:
// live, and over a session file.
func TestDumpPrintsWebSocketMessages(t *testing.T) {
	plain, _, _ := wsOrigins(t, wsEcho())
	c := startDump(t, "", "--ws-messages", "--filter", "~bq fragmented")
	ctx := wsCtx(t)
	converse(t, ctx, wsClient(t, ctx, c.addr, plain+"/ws/1", nil, websocket.CompressionContextTakeover))
	other := wsClient(t, ctx, c.addr, plain+"/other", nil, 0)
	if err := other.Write(ctx, websocket.MessageText, []byte("nothing to see")); err != nil {
		t.Fatal(err)
	}
	other.Close(websocket.StatusNormalClosure, "")
	stoppedSession(t, c)
	ws1 := "http" + strings.TrimPrefix(plain, "ws") + "/ws/1"
	live := c.stdout.String()
	checkMessageLines(t, "live", live, ws1)
	if strings.Contains(live, "/other") || strings.Contains(live, "nothing to see") {
		t.Errorf("live: a flow whose client messages do not match ~bq is printed:\n%s", live)
	}

	out, stderr, code := runSiphon(t, "dump", "--read", c.session, "--ws-messages")
	if code != 0 {
		t.Fatalf("dump --read: %d %s", code, stderr)
	}
	checkMessageLines(t, "--read", out, ws1)
	if !strings.Contains(out, "  → ") || !strings.Contains(out, `nothing to see`) {
		t.Errorf("--read lacks /other's message:\n%s", out)
	}
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{"~bq nowhere", nil},
		{"~bq 'nothing to see'", []string{"/other"}},
		{`~b "price"`, []string{"/ws/1"}},
		{"~bs fragmented", []string{"/ws/1"}},
		{"~bs '^..done$'", []string{"/ws/1"}}, // the close: 2 bytes of code, then the reason
	} {
		out, stderr, code := runSiphon(t, "dump", "--read", c.session, "--filter", tc.filter)
		if code != 0 {
			t.Fatalf("dump --read --filter %s: %d %s", tc.filter, code, stderr)
		}
		if n := strings.Count(out, "\n"); n != len(tc.want) {
			t.Errorf("--filter %s: %d flows, want %v:\n%s", tc.filter, n, tc.want, out)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w+" -> 101") {
				t.Errorf("--filter %s lacks %s:\n%s", tc.filter, w, out)
			}
		}
	}
	if _, stderr, code := runSiphon(t, "dump", "--read", c.session, "--ws-messages", "--json"); code != 2 || !strings.Contains(stderr, "--ws-messages") {
		t.Errorf("--ws-messages --json: exit %d, %s", code, stderr)
	}
}

// TestDumpPrintsWebSocketMessagesLive: with --ws-messages each message is
// printed as it passes, while its connection is open, tagged with its
// flow's client and URL so that two conversations at once stay apart; the
// close prints the flow's line and a count. --read lists them under the
// line as before.
func TestDumpPrintsWebSocketMessagesLive(t *testing.T) {
	plain, _, _ := wsOrigins(t, wsEcho())
	c := startDump(t, "", "--ws-messages")
	ctx := wsCtx(t)
	base := "http" + strings.TrimPrefix(plain, "ws")
	line := func(path, arrow, size, text string) *regexp.Regexp {
		return regexp.MustCompile(`(?m)^127\.0\.0\.1:\d+ ` + regexp.QuoteMeta(base+path) + ` ` + arrow + ` +\+\d+\.\d{3}s +` + size + ` text +` + text + `$`)
	}
	conns := map[string]*websocket.Conn{}
	for _, path := range []string{"/live", "/other"} {
		conn := wsClient(t, ctx, c.addr, plain+path, nil, websocket.CompressionDisabled)
		conns[path] = conn
		msg := "hello " + path
		size := strconv.Itoa(len(msg)) + "B"
		if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if _, echo, err := conn.Read(ctx); err != nil || string(echo) != msg {
			t.Fatalf("echo %q %v", echo, err)
		}
		want := []*regexp.Regexp{line(path, "→", size, regexp.QuoteMeta(msg)), line(path, "←", size, regexp.QuoteMeta(msg))}
		out := c.stdout.waitFor(t, "message lines of "+path+" while it is open", func(out string) bool {
			return want[0].MatchString(out) && want[1].MatchString(out)
		})
		if strings.Contains(out, " -> 101") {
			t.Fatalf("a flow line was printed while its connection is open:\n%s", out)
		}
	}
	conns["/live"].Close(websocket.StatusNormalClosure, "bye")
	out := c.stdout.waitFor(t, "the close of /live", func(out string) bool {
		return strings.Contains(out, " GET "+base+"/live -> 101 ")
	})
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.Contains(l, " GET "+base+"/live -> 101 ") {
			if i+1 >= len(lines) || lines[i+1] != "  4 messages printed as they came: 2 →, 2 ←" {
				t.Errorf("the close's summary:\n%s", out)
			}
		}
	}
	if strings.Contains(out, " GET "+base+"/other -> ") {
		t.Errorf("/other is still open but its line is printed:\n%s", out)
	}
	conns["/other"].Close(websocket.StatusNormalClosure, "")
	stoppedSession(t, c)
	if n := len(regexp.MustCompile(`(?m)^127\.0\.0\.1:\d+ \S+/live [→←] `).FindAllString(c.stdout.String(), -1)); n != 4 {
		t.Errorf("%d live lines of /live, want 4 (two messages, two closes):\n%s", n, c.stdout)
	}

	read, stderr, code := runSiphon(t, "dump", "--read", c.session, "--ws-messages")
	if code != 0 {
		t.Fatalf("dump --read: %d %s", code, stderr)
	}
	if !regexp.MustCompile(`GET ` + regexp.QuoteMeta(base) + `/live -> 101 .*\n  → +\+\d+\.\d{3}s +11B text +hello /live\n  ← `).MatchString(read) {
		t.Errorf("--read does not list the messages under the line:\n%s", read)
	}
}
