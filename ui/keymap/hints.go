package keymap

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/ui/style"
)

// HintLine lists bindings as "key action" pairs that fit in width.
func HintLine(bs []Binding, st style.Styles, width int) string {
	var parts []string
	used := 0
	for _, b := range bs {
		h := b.Key.Help()
		part := st.HintKey.Render(KeyLabel(h.Key)) + " " + st.HintText.Render(h.Desc)
		w := ansi.StringWidth(part) + 2
		if used+w > width {
			break
		}
		parts = append(parts, part)
		used += w
	}
	return style.Cell(strings.Join(parts, "  "), width)
}

// KeyLabel is how a key is written in hints and help.
func KeyLabel(k string) string {
	switch k {
	case " ":
		return "space"
	case "up":
		return "↑"
	case "down":
		return "↓"
	}
	return k
}
