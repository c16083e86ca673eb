package connect

import (
	"testing"

	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
)

// The QR code is encoded once per URL and size, not on every frame: a
// second frame draws the same code from the cache, and the next address
// adds its own.
func TestQRCodeEncodedOnce(t *testing.T) {
	m := New(nil, Config{Listen: "0.0.0.0:8080", LAN: []string{"192.168.1.23", "10.0.0.5"},
		Keys: keymap.Default(), Styles: style.NewStyles(style.DefaultTheme())})
	m.SetSize(80, 24)
	first := m.View()
	if len(m.qr) == 0 {
		t.Fatal("no QR code was drawn at 80x24")
	}
	cached := len(m.qr)
	if again := m.View(); again != first || len(m.qr) != cached {
		t.Errorf("a second frame changed the screen or encoded again: %d codes, want %d", len(m.qr), cached)
	}
	m.shown = 1
	if m.View(); len(m.qr) <= cached {
		t.Errorf("the next address drew no new code: %d codes", len(m.qr))
	}
}
