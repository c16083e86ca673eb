// Package connect is the "Connect a device" screen: the addresses a
// phone can set as its proxy, the credentials it needs, and a QR code of
// siphon's certificate page on its own listener, which the phone opens
// before any proxy is set; and the list of passed-through hosts (apps
// that pin their certificates), which P on a failed flow adds to.
package connect

import (
	"fmt"
	"net"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/prompt"
	"github.com/siphonproxy/siphon/ui/style"
)

// Passthrough is the live set of hosts the proxy passes through
// untouched (*mitm.Passthrough). Its methods are safe to call from the
// event loop: they never block on the network or the disk.
type Passthrough interface {
	Add(host string) bool
	Remove(host string) bool
	Hosts() []string
}

// Config configures the screen.
type Config struct {
	// Listen is the proxy listener's address, host:port.
	Listen string
	// LAN are the machine's non-loopback addresses, which devices use
	// when the listener is on every interface (0.0.0.0 or ::).
	LAN []string
	// User is the --proxy-auth user name; "" when there are no
	// credentials. The password is never shown.
	User string
	// Passthrough is the proxy's live set; nil without a proxy.
	Passthrough Passthrough
	// SavedIn is the file the set is saved in, shown with the list.
	SavedIn string
	Keys    keymap.Map
	Styles  style.Styles
}

// Model is the screen. The root routes keys to Update, but back.
type Model struct {
	host   prompt.Host
	cfg    Config
	reach  reach
	shown  int  // which of reach.hosts the QR code carries
	list   bool // the passed-through hosts are shown instead
	cursor int  // in the passed-through hosts
	width  int
	height int
	// qr keeps the QR codes drawn so far by URL and size: View runs on
	// every frame, and encoding one costs more than drawing the rest.
	qr map[qrKey][]string
}

type qrKey struct {
	url string
	big bool
}

// qrLines returns the QR code of url, encoded once.
func (m *Model) qrLines(url string, big bool) ([]string, error) {
	k := qrKey{url, big}
	if lines, ok := m.qr[k]; ok {
		return lines, nil
	}
	lines, err := qrLines(url, big)
	if err != nil {
		return nil, err
	}
	if m.qr == nil {
		m.qr = map[qrKey][]string{}
	}
	m.qr[k] = lines
	return lines, nil
}

// New returns the screen.
func New(host prompt.Host, cfg Config) *Model {
	return &Model{host: host, cfg: cfg, reach: reachOf(cfg.Listen, cfg.LAN)}
}

// SetSize sets the screen's area.
func (m *Model) SetSize(width, height int) { m.width, m.height = width, height }

// Open shows the connect screen, or with list the passed-through hosts.
func (m *Model) Open(list bool) { m.list = list }

// Opened shows the connect page, not the list of passed-through hosts,
// when the root opens it.
func (m *Model) Opened(*session.Flow, bool) { m.Open(false) }

// Listing reports whether the passed-through hosts are shown.
func (m *Model) Listing() bool { return m.list }

// URL is the address the QR code carries; "" when devices cannot reach
// the proxy.
func (m *Model) URL() string {
	if m.reach.loopback || len(m.reach.hosts) == 0 {
		return ""
	}
	return m.reach.pageURL(m.reach.hosts[m.shown])
}

// Update handles the screen's keys but back, which the root handles.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	b, ok := m.cfg.Keys.Lookup(keymap.ScopeConnect, k)
	if !ok {
		return nil
	}
	switch b.Action {
	case keymap.ActPassList:
		m.list = !m.list
	case keymap.ActNextAddr:
		if n := len(m.reach.hosts); n > 0 {
			m.shown = (m.shown + 1) % n
		}
	case keymap.ActUp:
		m.cursor = max(m.cursor-1, 0)
	case keymap.ActDown:
		m.cursor++ // View keeps it within the list
	case keymap.ActDelete:
		if m.list {
			if text := m.removeSelected(); text != "" {
				return m.host.Say(text)
			}
		}
	}
	return nil
}

// PassFlow passes the host of f through from now on, when f's client
// rejected siphon's certificate (a client-tls failure): the P key.
func (m *Model) PassFlow(f *session.Flow) tea.Cmd {
	switch {
	case f == nil:
		return nil
	case m.cfg.Passthrough == nil:
		return m.host.Say(keymap.NoProxy)
	case f.Err == nil || f.Err.Phase != session.PhaseClientTLS || f.Request == nil:
		return m.host.Say("only a flow whose client rejected siphon's certificate (client-tls) is passed through")
	}
	host := f.Request.URL
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if !m.cfg.Passthrough.Add(host) {
		return m.host.Say(host + " is already passed through")
	}
	return m.host.Say(fmt.Sprintf("%s is passed through from now on, unseen (the list: %s, then %s)", host,
		m.cfg.Keys.Key(keymap.ScopeGlobal, keymap.ActConnect), m.cfg.Keys.Key(keymap.ScopeConnect, keymap.ActPassList)))
}

// View draws the screen.
func (m *Model) View() string {
	if m.width == 0 {
		return ""
	}
	var s string
	switch {
	case m.list:
		s = m.passView()
	case m.reach.loopback:
		s = m.loopbackView()
	default:
		s = m.connectView()
	}
	return style.PadLines(s, m.width, m.height)
}

// minText is the narrowest the text beside the QR code may be.
const minText = 40

// connectView draws the QR code beside the addresses and the steps; the
// code is left out when the screen is too small for it.
func (m *Model) connectView() string {
	st := m.cfg.Styles
	if len(m.reach.hosts) == 0 {
		return st.Title.Render("Connect a device") + "\n\n" + wrap(fmt.Sprintf(
			"siphon listens on %s, but this machine has no network address a device could use: connect it to the network and press %s again.",
			m.reach.listen, m.cfg.Keys.Key(keymap.ScopeGlobal, keymap.ActConnect)), m.width)
	}
	url := m.URL()
	var qr []string
	for _, big := range []bool{true, false} {
		lines, err := m.qrLines(url, big)
		if err == nil && len(lines) <= m.height && lipgloss.Width(lines[0])+minText <= m.width {
			qr = lines
			break
		}
	}
	qrWidth := 0
	if qr != nil {
		qrWidth = lipgloss.Width(qr[0])
	}
	textWidth := m.width - qrWidth - 2*min(qrWidth, 1)
	text := m.connectText(url, textWidth)
	if qrWidth == 0 {
		return text
	}
	// Light modules on a dark background, whatever the terminal's theme.
	code := lipgloss.NewStyle().Foreground(lipgloss.Color("231")).Background(lipgloss.Color("16")).Render(strings.Join(qr, "\n"))
	return lipgloss.JoinHorizontal(lipgloss.Top, code, "  ", text)
}

// connectText is the text beside the QR code, wrapped to width.
func (m *Model) connectText(url string, width int) string {
	st, keys := m.cfg.Styles, m.cfg.Keys
	var b strings.Builder
	b.WriteString(st.Title.Render("Connect a device") + "\n\n")
	b.WriteString("Proxy for devices on your network:\n")
	for i, h := range m.reach.hosts {
		line := fmt.Sprintf("  %s port %s", h, m.reach.port)
		if i == m.shown && len(m.reach.hosts) > 1 {
			line += st.Muted.Render(" (QR code)")
		}
		b.WriteString(line + "\n")
	}
	if m.cfg.User != "" {
		b.WriteString(hang("  user: ", style.Printable(m.cfg.User), width) + "\n" + hang("  password: ", "as given to --proxy-auth", width) + "\n")
	} else {
		b.WriteString(st.Warning.Render(hang("  ", "no credentials: anyone on the network can use the proxy", width)) + "\n")
	}
	steps := []string{
		"Scan the code with the phone's camera: it opens " + url + ", siphon's certificate page.",
		"Install and trust the certificate as the page says.",
		"Set the phone's Wi-Fi proxy to manual, with the address and port above.",
		"Use the app: its flows appear in the list.",
	}
	b.WriteString("\n")
	for i, s := range steps {
		b.WriteString(hang(fmt.Sprintf("%d. ", i+1), s, width) + "\n")
	}
	b.WriteString("\n" + st.Muted.Render(wrap(fmt.Sprintf("An app that still fails pins its certificates: %s on its failed flow passes its host through.",
		keys.Key(keymap.ScopeList, keymap.ActPassthrough)), width)))
	return b.String()
}

// loopbackView says that no phone can reach a proxy on loopback, and how
// to change that.
func (m *Model) loopbackView() string {
	st, w, port := m.cfg.Styles, m.width, m.reach.port
	if port == "" {
		port = "8080"
	}
	cmd := func(s string) string { return "    " + st.Accent.Render(s) + "\n\n" }
	return st.Title.Render("Connect a device") + "\n\n" +
		wrap(fmt.Sprintf("siphon listens on %s, on this machine only: a phone cannot reach it.", m.reach.listen), w) + "\n\n" +
		wrap("To capture a phone on your network, restart siphon on every interface, with credentials:", w) + "\n\n" +
		cmd("siphon --listen 0.0.0.0:"+port+" --proxy-auth USER:PASS") +
		wrap(fmt.Sprintf("then press %s again for the QR code.", m.cfg.Keys.Key(keymap.ScopeGlobal, keymap.ActConnect)), w) + "\n\n" +
		wrap("An Android phone on USB can reach it as it is: forward the port, so that the phone's own 127.0.0.1:"+port+" is siphon,", w) + "\n\n" +
		cmd("adb reverse tcp:"+port+" tcp:"+port) +
		wrap("then open http://127.0.0.1:"+port+"/ in the phone's browser for the certificate, and set its Wi-Fi proxy to 127.0.0.1 port "+port+".", w)
}

// wrap wraps s to width cells.
func wrap(s string, width int) string {
	return lipgloss.NewStyle().Width(max(width, 1)).Render(s)
}

// hang wraps s to width with a hanging indent after label.
func hang(label, s string, width int) string {
	pad := lipgloss.Width(label)
	lines := strings.Split(wrap(s, width-pad), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
		if i == 0 {
			lines[i] = label + lines[i]
		} else {
			lines[i] = strings.Repeat(" ", pad) + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}
