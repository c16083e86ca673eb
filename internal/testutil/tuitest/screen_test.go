package tuitest

import (
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
)

// counter draws how many times a key was pressed.
type counter struct{ n int }

func (c counter) Init() tea.Cmd { return nil }

func (c counter) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.KeyMsg); ok {
		c.n++
	}
	return c, nil
}

func (c counter) View() string { return fmt.Sprintf("hello\npressed %d times\n", c.n) }

func TestWaitScreen(t *testing.T) {
	tm := teatest.NewTestModel(t, counter{}, teatest.WithInitialTermSize(40, 5))
	WaitScreen(t, tm, "hello", "pressed 0 times")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	WaitScreen(t, tm, "pressed 1 times")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	if got := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(counter).n; got != 1 {
		t.Errorf("final count %d, want 1", got)
	}
}
