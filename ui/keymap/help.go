package keymap

import (
	"strings"

	"github.com/siphonproxy/siphon/filter"
	"github.com/siphonproxy/siphon/ui/style"
)

// HelpLines is the help screen: every binding of the key table by scope,
// then the filter language. It is built from the same table that handles
// the keys, so it cannot drift from them. note, if set, says why a binding
// cannot act here ("" when it can).
func HelpLines(km Map, st style.Styles, note func(Binding) string) []string {
	var out []string
	for _, scope := range scopeOrder {
		bs := km.InScope(scope)
		if len(bs) == 0 {
			continue
		}
		out = append(out, st.Title.Render(string(scope)))
		for _, b := range bs {
			keys := make([]string, 0, len(b.Key.Keys()))
			for _, k := range b.Key.Keys() {
				keys = append(keys, KeyLabel(k))
			}
			desc := b.Key.Help().Desc
			if b.Planned != "" {
				desc += st.Muted.Render(" (coming with " + b.Planned + ")")
			} else if note != nil {
				if n := note(b); n != "" {
					desc += st.Muted.Render(" (" + n + ")")
				}
			}
			out = append(out, "  "+st.HintKey.Render(style.Cell(strings.Join(keys, " "), 22))+" "+desc)
		}
		out = append(out, "")
	}
	out = append(out, st.Title.Render("filter expressions (f)"))
	for _, h := range filter.Help() {
		out = append(out, "  "+st.HintKey.Render(style.Cell(h.Usage, 22))+" "+h.Help)
	}
	return out
}
