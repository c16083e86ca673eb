// Package pager scrolls through lines wrapped to its width: the flow
// view's tabs, the help screen and the event log.
package pager

import (
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
)

// Model shows logical lines wrapped to its width and scrolls through them.
// It is the scrolling part of the flow view, the help screen and the event
// log. Wrapping happens when lines or the width change, never per frame.
type Model struct {
	keys          keymap.Map
	st            style.Styles
	width, height int

	logical []string
	visual  []string
	starts  []int // starts[i]: first visual line of logical line i
	offset  int
	mark    int // logical line drawn highlighted; -1 for none
}

// New returns an empty pager.
func New(keys keymap.Map, st style.Styles) Model {
	return Model{keys: keys, st: st, mark: -1}
}

// SetSize sets the pager's area and re-wraps its lines.
func (p *Model) SetSize(width, height int) {
	if width != p.width {
		p.width = width
		p.wrap()
	}
	p.height = max(height, 1)
	p.clamp()
}

// SetLines replaces the content; keepOffset keeps the scroll position (for
// content that grew), else it goes back to the top.
func (p *Model) SetLines(lines []string, keepOffset bool) {
	p.logical = lines
	p.mark = -1
	p.wrap()
	if !keepOffset {
		p.offset = 0
	}
	p.clamp()
}

// Lines returns the logical lines.
func (p Model) Lines() []string { return p.logical }

// Wrapped returns the lines as drawn: the logical lines wrapped to the
// pager's width.
func (p Model) Wrapped() []string { return p.visual }

// Marked returns the logical line drawn highlighted by Show, or -1.
func (p Model) Marked() int { return p.mark }

func (p *Model) wrap() {
	p.visual, p.starts = nil, nil
	w := max(p.width, 1)
	for _, l := range p.logical {
		p.starts = append(p.starts, len(p.visual))
		if ansi.StringWidth(l) <= w {
			p.visual = append(p.visual, l)
			continue
		}
		p.visual = append(p.visual, strings.Split(ansi.Hardwrap(l, w, true), "\n")...)
	}
}

func (p *Model) clamp() {
	p.offset = min(max(p.offset, 0), max(len(p.visual)-p.height, 0))
}

// Show scrolls so that logical line i is on screen, a third of the way
// down, and highlights it.
func (p *Model) Show(i int) {
	if i < 0 || i >= len(p.starts) {
		p.mark = -1
		return
	}
	p.mark = i
	p.offset = p.starts[i] - p.height/3
	p.clamp()
}

// ScrollBy moves the view n visual lines.
func (p *Model) ScrollBy(n int) {
	p.offset += n
	p.clamp()
}

// Update scrolls on the pager's keys and the mouse wheel; handled says
// whether msg was for the pager.
func (p Model) Update(msg tea.Msg) (Model, bool) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		b, ok := p.keys.Lookup(keymap.ScopePager, msg)
		if !ok {
			return p, false
		}
		switch b.Action {
		case keymap.ActUp:
			p.ScrollBy(-1)
		case keymap.ActDown:
			p.ScrollBy(1)
		case keymap.ActPageUp:
			p.ScrollBy(-p.height)
		case keymap.ActPageDown:
			p.ScrollBy(p.height)
		case keymap.ActTop:
			p.offset = 0
		case keymap.ActBottom:
			p.offset = len(p.visual)
			p.clamp()
		default:
			return p, false
		}
		return p, true
	case tea.MouseMsg:
		switch msg.Button {
		case tea.MouseButtonWheelUp:
			p.ScrollBy(-3)
		case tea.MouseButtonWheelDown:
			p.ScrollBy(3)
		default:
			return p, false
		}
		return p, true
	}
	return p, false
}

// View draws exactly height lines.
func (p Model) View() string {
	var b strings.Builder
	markFrom, markTo := -1, -1
	if p.mark >= 0 && p.mark < len(p.starts) {
		markFrom, markTo = p.starts[p.mark], len(p.visual)
		if p.mark+1 < len(p.starts) {
			markTo = p.starts[p.mark+1]
		}
	}
	for i := range p.height {
		if i > 0 {
			b.WriteByte('\n')
		}
		j := p.offset + i
		if j >= len(p.visual) {
			continue
		}
		if j >= markFrom && j < markTo {
			b.WriteString(p.st.Match.Render(ansi.Strip(p.visual[j])))
			continue
		}
		b.WriteString(p.visual[j])
	}
	return b.String()
}

// Position describes the scroll position: "12-34 of 120".
func (p Model) Position() string {
	if len(p.visual) <= p.height {
		return ""
	}
	return strconv.Itoa(p.offset+1) + "-" + strconv.Itoa(min(p.offset+p.height, len(p.visual))) + " of " + strconv.Itoa(len(p.visual))
}
