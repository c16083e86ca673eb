package flowview

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/style"
)

// barColumns finds each timing row's bar: the columns (in cells, from the
// start of the bar area) where its █ run begins and ends.
func barColumns(t *testing.T, lines []string) map[string][2]int {
	t.Helper()
	bars := map[string][2]int{}
	for _, l := range lines {
		l = ansi.Strip(l)
		if len(l) < 14 {
			continue
		}
		name := strings.TrimSpace(l[:14])
		rest := []rune(l[min(14+9+2, len(l)):]) // name, duration, gap
		first, last := -1, -1
		for i, r := range rest {
			if r == '█' {
				if first < 0 {
					first = i
				}
				last = i + 1
			}
		}
		if first >= 0 {
			bars[name] = [2]int{first, last}
		}
	}
	return bars
}

// TestTimingPhasesFollowHAR checks that the timing view draws HAR's
// phases on a new TLS connection: send begins once the upstream TLS
// handshake is done, instead of overlapping DNS, connect and TLS from the
// moment the request arrived.
func TestTimingPhasesFollowHAR(t *testing.T) {
	t0 := session.StampOf(base)
	at := func(ms int) session.Stamp { return t0.Add(time.Duration(ms) * time.Millisecond) }
	tm := session.Timings{
		ClientConnect: at(0), RequestReceived: at(0),
		DNSStart: at(2), DNSDone: at(10),
		ConnectStart: at(10), ConnectDone: at(20),
		TLSStart: at(20), TLSDone: at(40),
		RequestSent: at(45), FirstByte: at(80), Complete: at(100),
	}
	lines := timingLines(&tm, tm.RequestReceived, style.NewStyles(style.DefaultTheme()), 80)
	bars := barColumns(t, lines)
	for _, name := range []string{"blocked", "DNS", "connect", "upstream TLS", "send", "wait (TTFB)", "receive", "total"} {
		if _, ok := bars[name]; !ok {
			t.Fatalf("no bar for %q in\n%s", name, strings.Join(lines, "\n"))
		}
	}
	if send, tls := bars["send"], bars["upstream TLS"]; send[0] < tls[1] {
		t.Errorf("send bar starts at column %d, before upstream TLS ends at %d:\n%s", send[0], tls[1], strings.Join(lines, "\n"))
	}
	if send, conn := bars["send"], bars["connect"]; send[0] < conn[1] {
		t.Errorf("send bar starts at column %d, before connect ends at %d", send[0], conn[1])
	}
	// HAR's connect includes the TLS handshake.
	if conn, tls := bars["connect"], bars["upstream TLS"]; conn[1] != tls[1] {
		t.Errorf("connect ends at column %d, upstream TLS at %d: HAR counts TLS in connect", conn[1], tls[1])
	}
	// The durations are HAR's: send is 5 ms (40 to 45), not 45 ms.
	for _, l := range lines {
		if l = ansi.Strip(l); strings.HasPrefix(l, "send") && !strings.Contains(l, " 5ms ") {
			t.Errorf("send row %q, want 5ms", l)
		}
	}
}

// TestTimingReusedConnection checks a flow on a reused connection: no
// DNS, connect or TLS, and send from the request's arrival.
func TestTimingReusedConnection(t *testing.T) {
	t0 := session.StampOf(base)
	at := func(ms int) session.Stamp { return t0.Add(time.Duration(ms) * time.Millisecond) }
	tm := session.Timings{RequestReceived: at(0), RequestSent: at(10), FirstByte: at(60), Complete: at(100)}
	lines := timingLines(&tm, tm.RequestReceived, style.NewStyles(style.DefaultTheme()), 80)
	bars := barColumns(t, lines)
	for _, name := range []string{"blocked", "DNS", "connect", "upstream TLS"} {
		if _, ok := bars[name]; ok {
			t.Errorf("a reused connection has a %q bar", name)
		}
	}
	if send := bars["send"]; send[0] != 0 {
		t.Errorf("send starts at column %d, want 0", send[0])
	}
	if send, wait := bars["send"], bars["wait (TTFB)"]; wait[0] != send[1] {
		t.Errorf("wait starts at column %d, send ends at %d", wait[0], send[1])
	}
}

// A WebSocket of one frame each way says frame, not frames.
func TestDetailsOneFrame(t *testing.T) {
	f := wsFlow(session.Done)
	f.Stream = &session.StreamStats{BytesUp: 5, BytesDown: 7, FramesUp: 1, FramesDown: 1}
	got := ansi.Strip(strings.Join(detailsTab(f, style.NewStyles(style.DefaultTheme()), 100, time.UTC, false), "\n"))
	if !strings.Contains(got, "5B up, 7B down, 1 frame up, 1 down") {
		t.Errorf("details:\n%s", got)
	}
}
