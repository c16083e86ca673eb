package ui

import (
	"fmt"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/siphonproxy/siphon/ui/flowview"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// TestGoldenList draws the list of fixed flows at 80×24 and 160×48.
func TestGoldenList(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			tm := start(t, fixedStore(t), size[0], size[1])
			waitScreen(t, tm, "/v1/slow")
			m := finish(t, tm)
			golden.RequireEqual(t, []byte(m.View()))
		})
	}
}

// TestGoldenFlowTabs draws each tab of the flow view, at both sizes, for
// a form POST with a JSON answer.
func TestGoldenFlowTabs(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for tab, wait := range []string{"remember", `"token"`, "timings"} {
			name := fmt.Sprintf("%s-%dx%d", flowview.TabName(tab), size[0], size[1])
			t.Run(name, func(t *testing.T) {
				tm := start(t, fixedStore(t), size[0], size[1])
				waitScreen(t, tm, "/v1/slow")
				press(tm, keymap.ScopeList, keymap.ActDown)
				press(tm, keymap.ScopeList, keymap.ActOpen)
				for range tab {
					press(tm, keymap.ScopeFlow, keymap.ActNextTab)
				}
				waitScreen(t, tm, wait)
				m := finish(t, tm)
				if m.flow.Tab() != tab {
					t.Fatalf("tab = %d, want %d", m.flow.Tab(), tab)
				}
				golden.RequireEqual(t, []byte(m.View()))
			})
		}
	}
}

// TestGoldenBodies draws the response bodies of other kinds at 80×24:
// gzip JSON, HTML, an image, and XML after a binary request (hex).
func TestGoldenBodies(t *testing.T) {
	for _, c := range []struct {
		name string
		row  int
		tab  int
		wait string
	}{
		{"gzip-json", 0, flowview.TabResponse, `"owner"`},
		{"image", 2, flowview.TabResponse, "64 × 32"},
		{"html", 3, flowview.TabResponse, "No such project"},
		{"binary-request", 8, flowview.TabRequest, "0000"},
		{"xml", 8, flowview.TabResponse, "<count>"},
		{"error", 5, flowview.TabResponse, "hint"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tm := start(t, fixedStore(t), 80, 24)
			waitScreen(t, tm, "/v1/slow")
			for range c.row {
				press(tm, keymap.ScopeList, keymap.ActDown)
			}
			press(tm, keymap.ScopeList, keymap.ActOpen)
			for range c.tab {
				press(tm, keymap.ScopeFlow, keymap.ActNextTab)
			}
			waitScreen(t, tm, c.wait)
			golden.RequireEqual(t, []byte(finish(t, tm).View()))
		})
	}
}
