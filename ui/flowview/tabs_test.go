package flowview

import (
	"github.com/siphonproxy/siphon/ui/prompt"
	"net/http"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
)

type quietHost struct{}

func (quietHost) Say(string) tea.Cmd                                                   { return nil }
func (quietHost) Ask(string, string, func(string) error, func(string) tea.Cmd) tea.Cmd { return nil }
func (quietHost) Confirm(string, func() tea.Cmd) tea.Cmd                               { return nil }
func (quietHost) Asking() bool                                                         { return false }
func (quietHost) Choose(string, []prompt.Choice, func(rune) tea.Cmd) tea.Cmd           { return nil }

// The tab bar and the tab keys follow the tabs table: every entry is
// drawn (for a gRPC call, which has every tab), tab steps through them
// all and wraps, and each draws its lines.
func TestTabsFollowTheTable(t *testing.T) {
	f := &session.Flow{ID: "a", Seq: 1, State: session.Done,
		Request: &session.Request{Method: "POST", URL: "https://h.test/pkg.Svc/Get", Proto: "HTTP/2.0",
			Header: http.Header{"Content-Type": {"application/grpc"}}},
		Response: &session.Response{Status: 200, Proto: "HTTP/2.0"}}
	keys := keymap.Default()
	v := New(quietHost{}, func(string) (*session.Flow, error) { return f, nil }, keys, style.NewStyles(style.DefaultTheme()), time.UTC)
	v.SetSize(120, 30)
	v.Update(v.loadCmd()())
	var shown []int // the tabs this flow has; TestTabForSomeFlows has the others
	for i, tb := range v.tabs {
		if tb.applies(f) {
			shown = append(shown, i)
		}
	}
	for i := range len(shown) + 1 {
		want := shown[i%len(shown)]
		if v.Tab() != want {
			t.Fatalf("after %d tabs: tab %d, want %d", i, v.Tab(), want)
		}
		bar := strings.Split(v.View(), "\n")[1]
		for _, j := range shown {
			if name := v.tabs[j].name; j == want && !strings.Contains(bar, "["+name+"]") || !strings.Contains(bar, name) {
				t.Errorf("tab bar %q: tab %q (current %d)", bar, name, want)
			}
		}
		if len(v.Pager().Lines()) == 0 {
			t.Errorf("tab %s draws nothing", TabName(want))
		}
		v.Update(keys.KeyMsg(keymap.ScopeFlow, keymap.ActNextTab))
	}
}

// A tab added to the table with only set (as defaultTabs would list it) shows for the flows it is for,
// and tab skips it for the others: this is how a gRPC messages tab comes
// in, without touching anything outside this package.
func TestTabForSomeFlows(t *testing.T) {
	trailers := tab{name: "Trailers", part: -1,
		only:  func(f *session.Flow) bool { return f.Response != nil && len(f.Response.Trailer) > 0 },
		lines: func(v *Model, f *session.Flow) []string { return headerLines(f.Response.Trailer, v.st) }}
	keys := keymap.Default()
	for _, c := range []struct {
		trailer bool
		bar     string
	}{{false, "[Request] Response Details"}, {true, "[Request] Response Details Trailers"}} {
		f := &session.Flow{ID: "a", Seq: 1, State: session.Done,
			Request:  &session.Request{Method: "POST", URL: "http://h.test/", Proto: "HTTP/2.0"},
			Response: &session.Response{Status: 200, Proto: "HTTP/2.0"}}
		if c.trailer {
			f.Response.Trailer = map[string][]string{"Grpc-Status": {"0"}}
		}
		v := New(quietHost{}, func(string) (*session.Flow, error) { return f, nil }, keys, style.NewStyles(style.DefaultTheme()), time.UTC)
		v.tabs = append(v.tabs, trailers)
		v.SetSize(120, 30)
		v.Update(v.loadCmd()())
		if bar := strings.Split(v.View(), "\n")[1]; !strings.Contains(strings.Join(strings.Fields(bar), " "), c.bar) || strings.Contains(bar, "Trailers") != c.trailer {
			t.Errorf("trailer %v: tab bar %q, want %q", c.trailer, bar, c.bar)
		}
		for range 3 {
			v.Update(keys.KeyMsg(keymap.ScopeFlow, keymap.ActNextTab))
		}
		if want := map[bool]int{false: TabRequest, true: len(v.tabs) - 1}[c.trailer]; v.Tab() != want {
			t.Errorf("trailer %v: three tabs on, tab %d, want %d", c.trailer, v.Tab(), want)
		}
		if c.trailer && !strings.Contains(strings.Join(v.Pager().Lines(), "\n"), "Grpc-Status: 0") {
			t.Errorf("the Trailers tab shows %q", v.Pager().Lines())
		}
	}
}
