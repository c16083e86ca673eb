package flowlist

import (
	"net"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/ui/style"
)

// intro is what the flow list shows while a live session has no flows,
// for someone who has just started siphon: how to send a client's traffic
// through the proxy, and where the CA certificate that HTTPS clients must
// trust is.
type intro struct {
	listen   string // the proxy's listen address
	caPath   string // the CA certificate's file, "" when unknown
	user     string // the proxy's user name (--proxy-auth), "" for none
	readOnly bool
}

// lines lays the intro out for a list width cells wide.
func (in intro) lines(st style.Styles, width int) []string {
	switch {
	case in.readOnly:
		return []string{st.Muted.Render("  the session holds no flows")}
	case in.listen == "":
		return []string{st.Muted.Render("  no flows yet: point a client at the proxy")}
	}
	addr := reachable(in.listen)
	proxy := "http://" + addr
	prose := func(s string) []string {
		var out []string
		for line := range strings.SplitSeq(ansi.Wordwrap(s, max(width-2, 20), ""), "\n") {
			out = append(out, "  "+line)
		}
		return out
	}
	out := prose(st.Title.Render("no flows yet:") + " point a client at the proxy on " + st.Key.Render(addr) + ", for example")
	curl := []string{"curl", "-x", proxy}
	envProxy := proxy
	if in.user != "" {
		// curl asks for the password; the environment needs it written
		// in (siphon never shows it).
		curl = append(curl, "--proxy-user", shellWord(in.user))
		envProxy = "http://" + in.user + ":PASSWORD@" + addr
	}
	if in.caPath != "" {
		curl = append(curl, "--cacert", shellWord(in.caPath))
	}
	out = append(out, "")
	out = append(out, command(append(curl, "https://example.com/"), width, st)...)
	out = append(out, "")
	out = append(out, command([]string{"export", shellWord("HTTP_PROXY=" + envProxy), shellWord("HTTPS_PROXY=" + envProxy)}, width, st)...)
	out = append(out, "")
	out = append(out, command([]string{"chromium", "--proxy-server=" + addr, "--proxy-bypass-list='<-loopback>'"}, width, st)...)
	out = append(out, "")
	if in.caPath != "" {
		out = append(out, prose("HTTPS clients must trust siphon's CA certificate: "+st.Key.Render(style.Printable(in.caPath)))...)
	} else {
		out = append(out, prose("HTTPS clients must trust siphon's CA certificate (siphon ca path prints where it is)")...)
	}
	return append(out, prose("Phones and browsers get it at "+st.Key.Render("http://siphon.cert/")+" through the proxy.")...)
}

// command lays out a shell command indented by four, wrapped between
// words with a backslash so that it still pastes as one command.
func command(words []string, width int, st style.Styles) []string {
	const indent = "    "
	var out []string
	line := indent
	for i, w := range words {
		switch {
		case i == 0:
			line += w
		case ansi.StringWidth(line)+1+len(w)+2 > width:
			out = append(out, st.String.Render(line+" \\"))
			line = indent + "  " + w
		default:
			line += " " + w
		}
	}
	return append(out, st.String.Render(line))
}

// reachable turns a listen address into one a client on this machine
// dials: a listener on every interface is reached on loopback.
func reachable(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	ip := net.ParseIP(host)
	switch {
	case host == "" || (ip != nil && ip.IsUnspecified() && ip.To4() != nil):
		return net.JoinHostPort("127.0.0.1", port)
	case ip != nil && ip.IsUnspecified():
		return net.JoinHostPort("::1", port)
	}
	return listen
}

// shellWord quotes s for sh when it holds anything but plain path
// characters.
func shellWord(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@,=%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(style.Printable(s), "'", `'\''`) + "'"
}
