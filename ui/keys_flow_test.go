package ui

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/siphonproxy/siphon/ui/eventlog"
	"github.com/siphonproxy/siphon/ui/flowview"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// openFirstResponse opens flow #1 (gzip JSON) on its Response tab.
func openFirstResponse(t *testing.T, w, h int, opts ...Option) *teatest.TestModel {
	t.Helper()
	tm := start(t, fixedStore(t), w, h, opts...)
	waitScreen(t, tm, "10 flows")
	press(tm, keymap.ScopeList, keymap.ActOpen)
	press(tm, keymap.ScopeFlow, keymap.ActNextTab)
	waitScreen(t, tm, "[Response]", "body 100B")
	return tm
}

// / searches the open tab: the status bar counts the matching lines and
// says which one is shown; n and N step through them, wrapping around.
func TestSearchKeys(t *testing.T) {
	tm := openFirstResponse(t, 120, 30)
	press(tm, keymap.ScopeFlow, keymap.ActSearch)
	waitScreen(t, tm, "search: ")
	typeText(tm, "on") // Content-Encoding, Content-Type, the body line, "siphon"
	waitScreen(t, tm, "4 matching lines", "/on: 1 of 4")
	press(tm, keymap.ScopeFlow, keymap.ActNextMatch)
	waitScreen(t, tm, "/on: 2 of 4")
	press(tm, keymap.ScopeFlow, keymap.ActPrevMatch)
	waitScreen(t, tm, "/on: 1 of 4")
	press(tm, keymap.ScopeFlow, keymap.ActPrevMatch)
	waitScreen(t, tm, "/on: 4 of 4")
	m := finish(t, tm)
	if mark := m.flow.Pager().Marked(); mark < 0 || !strings.Contains(m.flow.Pager().Lines()[mark], `"siphon"`) {
		t.Errorf("the 4th match highlighted is line %d, want the one with \"siphon\"", mark)
	}
	// A search without a match says so.
	tm = openFirstResponse(t, 120, 30)
	press(tm, keymap.ScopeFlow, keymap.ActSearch)
	typeText(tm, "zebra")
	waitScreen(t, tm, "0 matching lines", "/zebra: no match")
	finish(t, tm)
}

// v cycles the body view: auto (indented JSON), raw text, a hex dump, and
// back.
func TestViewModeKey(t *testing.T) {
	tm := openFirstResponse(t, 120, 30)
	press(tm, keymap.ScopeFlow, keymap.ActViewMode)
	waitScreen(t, tm, "view: raw", `{"id":42,"name":"siphon"`)
	press(tm, keymap.ScopeFlow, keymap.ActViewMode)
	waitScreen(t, tm, "view: hex", "00000000", `|{"id":42,"name":|`)
	press(tm, keymap.ScopeFlow, keymap.ActViewMode)
	waitScreen(t, tm, "view: auto", `  "name": "siphon",`)
	if st := finish(t, tm).State(); st.Mode != flowview.ModeAuto {
		t.Errorf("after three v: mode %v", st.Mode)
	}
}

// The mouse wheel scrolls the flow view three lines at a time.
func TestMouseWheelInFlowView(t *testing.T) {
	tm := openFirstResponse(t, 100, 12) // lines 1-7 of the tab's 17 on screen
	tm.Send(tea.MouseMsg{X: 5, Y: 6, Button: tea.MouseButtonWheelDown, Action: tea.MouseActionPress})
	waitScreen(t, tm, "4-10 of 17")
	tm.Send(tea.MouseMsg{X: 5, Y: 6, Button: tea.MouseButtonWheelUp, Action: tea.MouseActionPress})
	waitScreen(t, tm, "1-7 of 17")
	finish(t, tm)
}

// E shows the event log, which takes in events as they come; q returns.
func TestEventLogKey(t *testing.T) {
	events := eventlog.New(10)
	log := slog.New(events.Handler(slog.LevelWarn))
	log.Warn("upstream dial failed", "host", "down.example.net")
	log.Info("not shown: below the level")
	tm := start(t, fixedStore(t), 120, 24, WithEvents(events))
	waitScreen(t, tm, "/v1/slow")
	press(tm, keymap.ScopeGlobal, keymap.ActEvents)
	waitScreen(t, tm, "event log", "WARN  upstream dial failed host=down.example.net")
	log.Error("rules reload", "file", "rules.yaml")
	waitScreen(t, tm, "ERROR rules reload file=rules.yaml")
	press(tm, keymap.ScopePager, keymap.ActBack)
	waitScreen(t, tm, "/v1/slow")
	m := finish(t, tm)
	if st := m.State(); st.Page != "list" {
		t.Errorf("q on the event log: page %s", st.Page)
	}
	if lines := m.events.Lines(); len(lines) != 2 || strings.Contains(strings.Join(lines, "\n"), "not shown") {
		t.Errorf("event log lines: %q", lines)
	}
}

// ? shows help built from the key table: rebinding a key changes both
// the help and what the key does.
func TestHelpKeyFromKeyTable(t *testing.T) {
	km := keymap.Default()
	for i, b := range km.Bindings {
		if b.Action == keymap.ActFollow {
			km.Bindings[i].Key = key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "stick to the newest flow"))
		}
	}
	tm := start(t, fixedStore(t), 120, 40, WithKeyMap(km))
	waitScreen(t, tm, "/v1/slow")
	press(tm, keymap.ScopeGlobal, keymap.ActHelp)
	waitScreen(t, tm, "help", "everywhere", "quit now", "flow list", "y                      stick to the newest flow")
	press(tm, keymap.ScopePager, keymap.ActBottom)
	waitScreen(t, tm, "filter expressions (f)", "~dur")
	press(tm, keymap.ScopePager, keymap.ActBack)
	tm.Type("y")
	waitScreen(t, tm, "following the newest flow")
	m := finish(t, tm)
	if !m.State().Follow {
		t.Errorf("the rebound key did not turn follow on")
	}
	help := helpText(m)
	for _, b := range km.Bindings {
		if !strings.Contains(help, b.Key.Help().Desc) {
			t.Errorf("help lacks %s (%s)", b.Action, b.Key.Help().Desc)
		}
	}
	if strings.Contains(help, "\n  F ") {
		t.Errorf("help still lists F")
	}
}
