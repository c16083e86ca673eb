package connect

import (
	"fmt"
	"strings"

	"github.com/siphonproxy/siphon/ui/style"
)

// passView draws the passed-through hosts with the cursor on cursor,
// which it keeps within the list (the set changes under it: the proxy
// adds hosts with --auto-passthrough).
func (m *Model) passView() string {
	hosts := m.cfg.Passthrough.Hosts()
	m.cursor = max(min(m.cursor, len(hosts)-1), 0)
	var b strings.Builder
	b.WriteString(m.cfg.Styles.Title.Render("Passed-through hosts") + "\n")
	note := "siphon does not decrypt their tunnels: apps that pin their certificates work, unseen."
	if m.cfg.SavedIn != "" {
		note += " Saved in " + m.cfg.SavedIn + " for the next start."
	}
	b.WriteString(m.cfg.Styles.Muted.Render(wrap(note, m.width)) + "\n\n")
	if len(hosts) == 0 {
		b.WriteString(wrap("None yet. Press P on a flow whose client rejected siphon's certificate (a client-tls failure), or start siphon with --auto-passthrough.", m.width))
		return b.String()
	}
	room := max(m.height-strings.Count(b.String(), "\n"), 1)
	first := max(m.cursor-room+1, 0)
	for i := first; i < len(hosts) && i < first+room; i++ {
		line := "  " + style.Printable(hosts[i])
		if i == m.cursor {
			line = m.cfg.Styles.Selected.Render(style.Cell("> "+style.Printable(hosts[i]), m.width))
		}
		b.WriteString(line + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// removeSelected takes the host under the cursor off the list.
func (m *Model) removeSelected() string {
	hosts := m.cfg.Passthrough.Hosts()
	if m.cursor >= len(hosts) {
		return ""
	}
	h := hosts[m.cursor]
	if !m.cfg.Passthrough.Remove(h) {
		return ""
	}
	return fmt.Sprintf("%s is intercepted again from its next connection", h)
}
