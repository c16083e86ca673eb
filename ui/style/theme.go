// Package style holds the UI's theme (colours named by role, never by hue)
// and the drawing helpers every component shares: cells of a fixed width,
// untrusted text made safe to draw, sizes and durations.
package style

import (
	"github.com/charmbracelet/lipgloss"
)

// Theme names the colours of the UI by the role they play, never by hue,
// so that a light or a colour-blind theme changes values, not code.
type Theme struct {
	Text       lipgloss.TerminalColor // ordinary text
	Muted      lipgloss.TerminalColor // secondary text: headers' names, notes, times
	Accent     lipgloss.TerminalColor // titles, the active tab, keys in hints
	SelectedFg lipgloss.TerminalColor // the row under the cursor
	SelectedBg lipgloss.TerminalColor
	BarFg      lipgloss.TerminalColor // the status bar
	BarBg      lipgloss.TerminalColor

	MethodRead   lipgloss.TerminalColor // GET, HEAD, OPTIONS
	MethodWrite  lipgloss.TerminalColor // POST, PUT, PATCH
	MethodDelete lipgloss.TerminalColor // DELETE
	MethodOther  lipgloss.TerminalColor // CONNECT and anything else

	StatusOK       lipgloss.TerminalColor // 1xx, 2xx
	StatusRedirect lipgloss.TerminalColor // 3xx
	StatusClient   lipgloss.TerminalColor // 4xx
	StatusServer   lipgloss.TerminalColor // 5xx
	Failed         lipgloss.TerminalColor // a flow with an Error
	Pending        lipgloss.TerminalColor // no response yet
	Marked         lipgloss.TerminalColor // the marker of a marked flow
	Replayed       lipgloss.TerminalColor // replays and mocks
	Intercepted    lipgloss.TerminalColor // flows paused at a breakpoint

	Key     lipgloss.TerminalColor // JSON keys, XML tags, form names
	String  lipgloss.TerminalColor // string values
	Number  lipgloss.TerminalColor // numbers
	Literal lipgloss.TerminalColor // true, false, null
	Punct   lipgloss.TerminalColor // brackets and separators

	Match lipgloss.TerminalColor // a search match (background)
	Error lipgloss.TerminalColor // error messages
}

// DefaultTheme is the dark-and-light-friendly theme siphon starts with.
func DefaultTheme() Theme {
	a := func(light, dark string) lipgloss.TerminalColor {
		return lipgloss.AdaptiveColor{Light: light, Dark: dark}
	}
	return Theme{
		Text: a("235", "252"), Muted: a("245", "243"), Accent: a("25", "75"),
		SelectedFg: a("231", "231"), SelectedBg: a("25", "24"),
		BarFg: a("235", "252"), BarBg: a("254", "236"),
		MethodRead: a("28", "114"), MethodWrite: a("130", "215"),
		MethodDelete: a("160", "203"), MethodOther: a("91", "176"),
		StatusOK: a("28", "114"), StatusRedirect: a("25", "75"),
		StatusClient: a("130", "215"), StatusServer: a("160", "203"),
		Failed: a("160", "203"), Pending: a("245", "243"),
		Marked: a("127", "213"), Replayed: a("30", "80"), Intercepted: a("166", "214"),
		Key: a("25", "117"), String: a("28", "150"), Number: a("130", "216"),
		Literal: a("91", "176"), Punct: a("245", "245"),
		Match: a("229", "58"), Error: a("160", "203"),
	}
}

// Styles are the lipgloss styles the components draw with, derived from a
// Theme.
type Styles struct {
	Text, Muted, Title, Accent lipgloss.Style
	Selected                   lipgloss.Style
	Header                     lipgloss.Style // the list's column header
	Bar                        lipgloss.Style // status bar
	HintKey, HintText          lipgloss.Style
	Tab, ActiveTab             lipgloss.Style
	Error, Warning             lipgloss.Style
	Marked, Replayed           lipgloss.Style
	Intercepted                lipgloss.Style // a paused flow's row and notes
	Pending                    lipgloss.Style
	Key, String, Number        lipgloss.Style
	Literal, Punct             lipgloss.Style
	Match                      lipgloss.Style

	methodRead, methodWrite, methodDelete, methodOther   lipgloss.Style
	statusOK, statusRedirect, statusClient, statusServer lipgloss.Style
}

// NewStyles derives the styles of t.
func NewStyles(t Theme) Styles {
	fg := func(c lipgloss.TerminalColor) lipgloss.Style { return lipgloss.NewStyle().Foreground(c) }
	return Styles{
		Text: fg(t.Text), Muted: fg(t.Muted),
		Title:    fg(t.Accent).Bold(true),
		Accent:   fg(t.Accent),
		Selected: lipgloss.NewStyle().Foreground(t.SelectedFg).Background(t.SelectedBg).Bold(true),
		Header:   fg(t.Muted).Bold(true),
		Bar:      lipgloss.NewStyle().Foreground(t.BarFg).Background(t.BarBg),
		HintKey:  fg(t.Accent).Bold(true), HintText: fg(t.Muted),
		Tab:       fg(t.Muted).Padding(0, 1),
		ActiveTab: fg(t.Accent).Bold(true),
		Error:     fg(t.Error).Bold(true), Warning: fg(t.StatusClient),
		Marked: fg(t.Marked).Bold(true), Replayed: fg(t.Replayed),
		Intercepted: fg(t.Intercepted).Bold(true),
		Pending:     fg(t.Pending),
		Key:         fg(t.Key), String: fg(t.String), Number: fg(t.Number),
		Literal: fg(t.Literal), Punct: fg(t.Punct),
		Match: lipgloss.NewStyle().Background(t.Match).Bold(true),

		methodRead: fg(t.MethodRead), methodWrite: fg(t.MethodWrite),
		methodDelete: fg(t.MethodDelete), methodOther: fg(t.MethodOther),
		statusOK: fg(t.StatusOK), statusRedirect: fg(t.StatusRedirect),
		statusClient: fg(t.StatusClient), statusServer: fg(t.StatusServer),
	}
}

// Method returns the style of an HTTP method.
func (s Styles) Method(m string) lipgloss.Style {
	switch m {
	case "GET", "HEAD", "OPTIONS":
		return s.methodRead
	case "POST", "PUT", "PATCH":
		return s.methodWrite
	case "DELETE":
		return s.methodDelete
	}
	return s.methodOther
}

// Status returns the style of an HTTP status code.
func (s Styles) Status(code int) lipgloss.Style {
	switch {
	case code >= 500:
		return s.statusServer
	case code >= 400:
		return s.statusClient
	case code >= 300:
		return s.statusRedirect
	}
	return s.statusOK
}
