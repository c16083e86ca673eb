package ui

import (
	"fmt"
	"image"
	"image/color"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/connect"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// fakePass is a passthrough set in memory, as *mitm.Passthrough is.
type fakePass struct {
	mu    sync.Mutex
	hosts []string
}

func (p *fakePass) Add(h string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if slices.Contains(p.hosts, h) {
		return false
	}
	p.hosts = append(p.hosts, h)
	slices.Sort(p.hosts)
	return true
}

func (p *fakePass) Remove(h string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := slices.Index(p.hosts, h)
	if i < 0 {
		return false
	}
	p.hosts = slices.Delete(p.hosts, i, i+1)
	return true
}

func (p *fakePass) Hosts() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.hosts)
}

// lanConnect is a proxy on every interface of a machine with two IPv4
// addresses and one IPv6 address, with credentials.
func lanConnect(pass connect.Passthrough) connect.Config {
	return connect.Config{Listen: "0.0.0.0:8080", LAN: []string{"fd00::23", "192.168.1.23", "10.0.0.5"}, User: "alice",
		Passthrough: pass, SavedIn: "/home/ada/.siphon/passthrough.txt"}
}

// TestGoldenConnect draws the connect screen at 80×24 and 160×48, and
// reads its QR code back: the certificate page on the first IPv4
// address; tab moves the code to the next address.
func TestGoldenConnect(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			tm := start(t, fixedStore(t), size[0], size[1], WithConnect(lanConnect(&fakePass{})))
			waitScreen(t, tm, "/v1/slow")
			press(tm, keymap.ScopeGlobal, keymap.ActConnect)
			waitScreen(t, tm, "Connect a device", "user: alice", "password: as given to --proxy-auth")
			m := finish(t, tm)
			golden.RequireEqual(t, []byte(m.View()))
			if got, want := decodeQR(t, m.View()), "http://192.168.1.23:8080/"; got != want {
				t.Errorf("QR code carries %q, want %q", got, want)
			}
			m.connect.Update(keymap.Default().KeyMsg(keymap.ScopeConnect, keymap.ActNextAddr))
			if got, want := decodeQR(t, m.View()), "http://10.0.0.5:8080/"; got != want {
				t.Errorf("after tab the QR code carries %q, want %q", got, want)
			}
		})
	}
}

// TestGoldenConnectLoopback: on loopback the screen says that a phone
// cannot reach siphon, how to restart it on the network, and adb reverse.
func TestGoldenConnectLoopback(t *testing.T) {
	c := connect.Config{Listen: "127.0.0.1:8080", Passthrough: &fakePass{}}
	tm := start(t, fixedStore(t), 80, 24, WithConnect(c))
	waitScreen(t, tm, "/v1/slow")
	press(tm, keymap.ScopeGlobal, keymap.ActConnect)
	waitScreen(t, tm, "cannot reach it", "--proxy-auth USER:PASS", "adb reverse tcp:8080 tcp:8080")
	m := finish(t, tm)
	golden.RequireEqual(t, []byte(m.View()))
	if strings.ContainsAny(m.View(), "▀▄█") {
		t.Error("a QR code is drawn that no phone can open")
	}
}

// P on a flow whose client rejected siphon's certificate passes its host
// through; on another flow it says what it is for. The list shows the
// host, and d removes it.
func TestPassthroughKey(t *testing.T) {
	s, err := session.Open(filepath.Join(t.TempDir(), "s.db"), session.Options{})
	must(t, err)
	t.Cleanup(func() { s.Close() })
	s.Add(timed(&session.Flow{State: session.Done, Request: req("GET", "https://ok.example/", nil, ""),
		Response: resp(200, "text/plain", []byte("hi"))}, 0, 0))
	s.Add(timed(&session.Flow{State: session.Failed, Request: &session.Request{Method: http.MethodConnect, URL: "pinned.example:443", Header: http.Header{}},
		Err: &session.Error{Phase: session.PhaseClientTLS, Msg: "TLS handshake with the client failed: remote error: tls: bad certificate"}}, 1, 0))
	pass := &fakePass{}
	tm := start(t, s, 100, 24, WithConnect(lanConnect(pass)))
	waitScreen(t, tm, "pinned.example")
	press(tm, keymap.ScopeList, keymap.ActTop)
	press(tm, keymap.ScopeList, keymap.ActPassthrough)
	waitScreen(t, tm, "rejected siphon's certificate (client-tls)")
	if len(pass.Hosts()) != 0 {
		t.Fatalf("P on a good flow passed %q through", pass.Hosts())
	}
	press(tm, keymap.ScopeList, keymap.ActDown)
	press(tm, keymap.ScopeList, keymap.ActPassthrough)
	waitScreen(t, tm, "pinned.example is passed through from now on")
	if got := pass.Hosts(); !slices.Equal(got, []string{"pinned.example"}) {
		t.Fatalf("passed through %q, want pinned.example", got)
	}
	press(tm, keymap.ScopeGlobal, keymap.ActConnect)
	press(tm, keymap.ScopeConnect, keymap.ActPassList)
	waitScreen(t, tm, "Passed-through hosts", "> pinned.example", "passthrough.txt")
	press(tm, keymap.ScopeConnect, keymap.ActDelete)
	waitScreen(t, tm, "pinned.example is intercepted again")
	m := finish(t, tm)
	if len(pass.Hosts()) != 0 {
		t.Errorf("d left %q on the list", pass.Hosts())
	}
	if m.State().Page != "connect" {
		t.Errorf("page %q, want connect", m.State().Page)
	}
}

// Without a proxy, C and P say so.
func TestConnectWithoutProxy(t *testing.T) {
	tm := start(t, fixedStore(t), 80, 24)
	waitScreen(t, tm, "/v1/slow")
	press(tm, keymap.ScopeGlobal, keymap.ActConnect)
	waitScreen(t, tm, keymap.NoProxy)
	if m := finish(t, tm); m.State().Page != "list" {
		t.Errorf("page %q, want list", m.State().Page)
	}
}

// decodeQR reads the QR code drawn on screen with half blocks back into
// its text: each cell holds two modules, drawn ones light.
func decodeQR(t *testing.T, screen string) string {
	t.Helper()
	var rows [][]rune
	top, left, right := -1, -1, -1
	for y, line := range strings.Split(screen, "\n") {
		r := []rune(line)
		rows = append(rows, r)
		for x, c := range r {
			if c == '█' || c == '▀' || c == '▄' {
				if top < 0 {
					top = y
				}
				if left < 0 || x < left {
					left = x
				}
				right = max(right, x)
			}
		}
	}
	if top < 0 {
		t.Fatal("no QR code on screen")
	}
	const scale, margin = 4, 8
	w := right - left + 1
	h := 0
	for y := top; y < len(rows) && left < len(rows[y]) && strings.ContainsRune("█▀▄", rows[y][left]); y++ {
		h++
	}
	img := image.NewGray(image.Rect(0, 0, (w+2*margin)*scale, (2*h+2*margin)*scale))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := ' '
			if row := rows[top+y]; left+x < len(row) {
				c = row[left+x]
			}
			light := [2]bool{c == '█' || c == '▀', c == '█' || c == '▄'}
			for half, l := range light {
				if l {
					continue
				}
				for py := 0; py < scale; py++ {
					for px := 0; px < scale; px++ {
						img.SetGray((margin+x)*scale+px, (margin+2*y+half)*scale+py, color.Gray{})
					}
				}
			}
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode the QR code on screen: %v\n%s", err, screen)
	}
	return res.GetText()
}

// In a read-only session P says there is no proxy, the hint bar leaves
// it out, and help says why C and P do not act.
func TestConnectReadOnly(t *testing.T) {
	tm := start(t, fixedStore(t), 200, 24, WithReadOnly())
	waitScreen(t, tm, "/v1/slow")
	press(tm, keymap.ScopeList, keymap.ActPassthrough)
	waitScreen(t, tm, keymap.NoProxy)
	m := finish(t, tm)
	if h := hintFor(m.keys, keymap.ScopeList, keymap.ActPassthrough); slices.Contains(hintParts(m.hints()), h) {
		t.Errorf("the hint bar offers %q", h)
	}
	help := helpText(m)
	for _, want := range []string{"connect a device (needs the proxy", "pass host through (needs the proxy"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}
