package rules

import (
	"fmt"
	"path/filepath"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
)

// list lists the rules engine's rules, from files and added in the
// UI, in the order they apply, with their state and hit counts, and the
// mistakes that kept a rules file from reloading.
type list struct {
	keys          keymap.Map
	st            style.Styles
	width, height int

	rules  []intercept.RuleStatus
	errs   []string // lines of the reload errors
	cursor int
	offset int
}

// newList returns an empty rules list.
func newList(keys keymap.Map, st style.Styles) list {
	return list{keys: keys, st: st}
}

// SetSize sets the view's area.
func (v *list) SetSize(width, height int) {
	v.width, v.height = width, max(height, 1)
	v.clamp()
}

// SetRules replaces the rules shown, keeping the cursor on the same rule.
func (v *list) SetRules(rules []intercept.RuleStatus, errs []error) {
	id := ""
	if sel := v.Selected(); sel != nil {
		id = sel.ID
	}
	v.rules, v.errs = rules, nil
	for _, err := range errs {
		for l := range strings.SplitSeq(err.Error(), "\n") {
			v.errs = append(v.errs, l)
		}
	}
	for i, r := range rules {
		if r.ID == id {
			v.cursor = i
		}
	}
	v.clamp()
}

// Selected returns the rule under the cursor, or nil.
func (v list) Selected() *intercept.RuleStatus {
	if v.cursor >= 0 && v.cursor < len(v.rules) {
		return &v.rules[v.cursor]
	}
	return nil
}

// rows is how many rules fit under the title, errors and header.
func (v list) rows() int {
	return max(v.height-2-min(len(v.errs), v.height/2), 1)
}

func (v *list) clamp() {
	v.cursor = min(max(v.cursor, 0), max(len(v.rules)-1, 0))
	if v.cursor < v.offset {
		v.offset = v.cursor
	}
	if v.cursor >= v.offset+v.rows() {
		v.offset = v.cursor - v.rows() + 1
	}
	v.offset = max(v.offset, 0)
}

// Update moves the cursor.
func (v list) Update(msg tea.Msg) (list, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if b, ok := v.keys.Lookup(keymap.ScopeRules, msg); ok {
			switch b.Action {
			case keymap.ActUp:
				v.cursor--
			case keymap.ActDown:
				v.cursor++
			}
		}
	case tea.MouseMsg:
		switch msg.Button {
		case tea.MouseButtonWheelUp:
			v.cursor--
		case tea.MouseButtonWheelDown:
			v.cursor++
		}
	}
	v.clamp()
	return v, nil
}

// View draws exactly height lines.
func (v list) View() string {
	files, added := 0, 0
	for _, r := range v.rules {
		if r.Added {
			added++
		} else {
			files++
		}
	}
	lines := []string{style.Cell(v.st.Title.Render("rules")+"  "+v.st.Muted.Render(
		fmt.Sprintf("%d from files, %d added here · applied top to bottom · n adds one from the flow", files, added)), v.width)}
	for _, e := range v.errs[:min(len(v.errs), v.height/2)] {
		lines = append(lines, style.Cell(v.st.Error.Render(style.Printable(e)), v.width))
	}
	nameW, actW, hitsW, fromW := 24, 22, 6, 20
	matchW := max(v.width-4-nameW-actW-hitsW-fromW-5, 10)
	lines = append(lines, v.st.Header.Render(style.Cell("    "+style.Cell("name", nameW)+" "+style.Cell("action", actW)+" "+
		style.Cell("match", matchW)+" "+style.RCell("hits", hitsW)+" "+style.Cell("from", fromW), v.width)))
	if len(v.rules) == 0 {
		lines = append(lines, v.st.Muted.Render("  no rules: n adds one from the flow, --rules FILE loads a file"))
	}
	for i := v.offset; i < len(v.rules) && i < v.offset+v.rows(); i++ {
		r := v.rules[i]
		on := "[x]"
		if !r.Enabled {
			on = "[ ]"
		}
		from := "added here"
		if !r.Added {
			from = fmt.Sprintf("%s:%d", filepath.Base(r.Rule.File), r.Rule.Line)
		}
		cursor := " "
		if i == v.cursor {
			cursor = "›"
		}
		line := cursor + on + " " + style.Cell(style.Printable(r.Rule.Name), nameW) + " " + style.Cell(ruleAction(r.Rule), actW) + " " +
			style.Cell(style.Printable(r.Rule.Match), matchW) + " " + style.RCell(fmt.Sprint(r.Hits), hitsW) + " " + style.Cell(style.Printable(from), fromW)
		switch {
		case i == v.cursor:
			line = v.st.Selected.Render(style.Cell(line, v.width))
		case !r.Enabled:
			line = v.st.Muted.Render(line)
		}
		lines = append(lines, line)
	}
	return style.PadLines(strings.Join(lines, "\n"), v.width, v.height)
}

// ruleAction is a rule's action in a few words.
func ruleAction(r *intercept.Rule) string {
	switch {
	case r.Breakpoint != intercept.NoBreakpoint:
		return "breakpoint " + r.Breakpoint.String()
	case r.Mock != nil:
		status := r.Mock.Status
		if status == 0 {
			status = 200
		}
		return fmt.Sprintf("mock %d", status)
	case r.MapRemote != "":
		return "map-remote " + style.Printable(r.MapRemote)
	case r.Rewrite != nil && r.Rewrite.Messages != nil && r.Rewrite.Request == nil && r.Rewrite.Response == nil:
		return "rewrite messages"
	case r.Rewrite != nil && r.Rewrite.Messages != nil:
		return "rewrite, rewrite messages"
	case r.Rewrite != nil:
		return "rewrite"
	case r.Block != nil && r.Block.Messages:
		return "block messages"
	case r.Block != nil && r.Block.Drop:
		return "block drop"
	case r.Block != nil:
		return fmt.Sprintf("block %d", r.Block.Status)
	case r.Throttle != nil:
		parts := []string{"throttle"}
		if r.Throttle.Latency > 0 {
			parts = append(parts, r.Throttle.Latency.String())
		}
		if r.Throttle.Bandwidth > 0 {
			parts = append(parts, intercept.FormatBandwidth(r.Throttle.Bandwidth))
		}
		return strings.Join(parts, " ")
	}
	return r.Action()
}
