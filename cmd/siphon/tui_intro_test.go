package main

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
)

// TestTUIEmptyScreenGuides checks that siphon's UI, wired as runTUI wires
// it, tells a newcomer where the proxy listens and where this run's CA
// certificate is before any flow arrives.
func TestTUIEmptyScreenGuides(t *testing.T) {
	h := startTUIHarness(t)
	must(t, h.tm.Quit())
	screen := ansi.Strip(h.tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).View())
	for _, want := range []string{
		"curl -x http://" + h.app.run.addr.String() + " --cacert " + h.app.run.ca.CertPath(),
		"http://siphon.cert/",
	} {
		if !strings.Contains(screen, want) {
			t.Errorf("the empty screen lacks %q:\n%s", want, screen)
		}
	}
}
