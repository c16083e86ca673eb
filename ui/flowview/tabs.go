package flowview

import (
	"context"

	"github.com/siphonproxy/siphon/grpcmsg"
	"github.com/siphonproxy/siphon/session"
)

// Tabs of the flow view, as Tab reports them.
const (
	TabRequest = iota
	TabResponse
	TabDetails
	TabMessages // WebSocket flows
	TabEvents   // text/event-stream responses
	TabGRPC     // gRPC calls only
)

// Parts the view renders off the event loop (see Model.render): the two
// bodies, then the parts of tabs with a render function.
const (
	partRequest = iota
	partResponse
	partGRPC
	numParts
)

// tab is one tab of the flow view.
type tab struct {
	name string
	// lines draws the tab for the loaded flow f; it runs on the event
	// loop, so what takes long (a body) is rendered by a command first.
	lines func(v *Model, f *session.Flow) []string
	// part is the body the tab shows while it renders (the spinner is
	// redrawn for it), or -1 for none.
	part int
	// render, for a tab whose part is not a body, renders that part off
	// the event loop: it reads only its arguments (f is not modified while
	// it runs) and stops early when ctx ends.
	render func(ctx context.Context, f *session.Flow, in renderInput, p *progress) []string
	// only, when set, says which flows have the tab (a gRPC messages tab
	// for gRPC flows): others skip it in the tab bar and the tab keys.
	only func(f *session.Flow) bool
}

// applies reports whether flow f (nil while it loads) has the tab.
func (t tab) applies(f *session.Flow) bool { return t.only == nil || (f != nil && t.only(f)) }

// step returns the tab d tabs away from the current one among those the
// flow has, wrapping around.
func (v *Model) step(d int) int {
	i := v.tab
	for range v.tabs {
		i = (i + d + len(v.tabs)) % len(v.tabs)
		if v.tabs[i].applies(v.flow) {
			return i
		}
	}
	return v.tab
}

// defaultTabs are the flow view's tabs in the tab bar's order. A new tab
// is one entry here and its lines function (with only set, if the tab is
// for some flows): tab keys, the tab bar, search in the tab and State.Tab
// follow this list.
func defaultTabs() []tab {
	return []tab{
		TabRequest:  {name: "Request", lines: (*Model).requestLines, part: partRequest},
		TabResponse: {name: "Response", lines: (*Model).responseLines, part: partResponse},
		TabDetails:  {name: "Details", lines: (*Model).detailsLines, part: -1},
		TabMessages: {name: "Messages", lines: (*Model).messagesLines, part: -1, only: isWebSocket},
		TabEvents:   {name: "Events", lines: (*Model).eventsLines, part: -1, only: isEventStream},
		TabGRPC: {name: "gRPC", lines: (*Model).grpcLines, part: partGRPC, render: renderGRPC,
			only: grpcmsg.IsGRPC},
	}
}

// TabName returns the name of tab i as the tab bar shows it.
func TabName(i int) string { return defaultTabs()[i].name }

func (v *Model) requestLines(f *session.Flow) []string {
	lines := append(append(requestTab(f, v.original, v.st), v.grpcHint(f)...), v.bodyLines(partRequest)...)
	r := f.Request
	if v.original && f.Original != nil {
		r = f.Original
	}
	if r != nil {
		lines = append(lines, trailerLines(r.Trailer, v.st)...)
	}
	return lines
}

func (v *Model) responseLines(f *session.Flow) []string {
	lines := responseTab(f, v.st)
	if f.Response != nil {
		lines = append(append(lines, v.grpcHint(f)...), v.bodyLines(partResponse)...)
		lines = append(lines, trailerLines(f.Response.Trailer, v.st)...)
	}
	return lines
}

// grpcHint points from a gRPC call's framed bodies to the tab that
// decodes them.
func (v *Model) grpcHint(f *session.Flow) []string {
	if !v.tabs[TabGRPC].applies(f) {
		return nil
	}
	return []string{v.st.Muted.Render("gRPC messages: the gRPC tab decodes them")}
}

func (v *Model) detailsLines(f *session.Flow) []string {
	return detailsTab(f, v.st, v.width, v.loc, v.allListeners)
}
