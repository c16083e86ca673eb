package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/mitm"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// TestTUIListeners: with --mode regular@0 --mode socks5@0 the status bar
// lists both listeners, the regular one by its address and the SOCKS5 one
// by the name its flows record; a request sent through the SOCKS5
// listener shows that name in its Details tab.
func TestTUIListeners(t *testing.T) {
	h := startTUIHarness(t, "--mode", "regular@0", "--mode", "socks5@0")
	r := h.app.run
	if len(r.specs) != 2 || r.specs[1].mode.Kind != mitm.SOCKS5 {
		t.Fatalf("listeners: %+v", r.specs)
	}
	socks := mitm.ListenerName(r.specs[1].mode, r.addrs[1])

	origin := httptest.NewServer(tuiOrigin())
	t.Cleanup(origin.Close)
	proxyURL, _ := url.Parse("socks5://" + r.addrs[1].String())
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}, Timeout: 20 * time.Second}
	t.Cleanup(client.CloseIdleConnections)
	res, err := client.Get(origin.URL + "/through-socks")
	must(t, err)
	io.Copy(io.Discard, res.Body)
	res.Body.Close()

	// The harness has read the first frames: the bar is drawn again as the
	// flow arrives.
	h.wait("/through-socks", " "+r.addrs[0].String()+" + "+socks+" · session.db · 1 flow ·")
	h.press(keymap.ScopeList, keymap.ActOpen)
	h.wait("[Request]")
	h.press(keymap.ScopeFlow, keymap.ActNextTab)
	h.press(keymap.ScopeFlow, keymap.ActNextTab)
	h.wait("[Details]", "listener      "+socks)
}
