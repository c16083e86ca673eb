package replay

import (
	"net/url"
	"strings"

	"github.com/siphonproxy/siphon/session"
)

// ShellOptions shape a generated command.
type ShellOptions struct {
	// BodyFile, when set, is the path a body that is not plain text is
	// read from (curl --data-binary @FILE, http < FILE); the caller writes
	// Command.Body there. When empty such a body is piped in from printf,
	// which keeps the command self-contained (for the clipboard).
	BodyFile string
}

// Command is a shell command that sends a captured request again.
type Command struct {
	// Text is the command, for a POSIX shell (sh, bash, zsh), possibly
	// continued over several lines with backslashes.
	Text string
	// Body, when not nil, must be written to ShellOptions.BodyFile before
	// the command runs.
	Body []byte
}

// bodyMode is how a command carries the request body.
type bodyMode int

const (
	noBody     bodyMode = iota
	inlineBody          // a quoted argument
	fileBody            // read from ShellOptions.BodyFile
	pipedBody           // printf '...' | command
)

// planBody decides how q's body travels. A request that had a
// Content-Length header keeps one even when its body is empty.
func planBody(q *session.Request, opts ShellOptions) bodyMode {
	data := q.Body.Data
	switch {
	case len(data) == 0 && !has(q.Header, "Content-Length"):
		return noBody
	case plainText(data):
		return inlineBody
	case opts.BodyFile != "":
		return fileBody
	default:
		return pipedBody
	}
}

// urlNeedsPathAsIs reports whether the URL's path has dot segments that
// clients would otherwise squash (RFC 3986 §5.2.4) before sending.
func urlNeedsPathAsIs(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	p := u.EscapedPath()
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// acceptsCompressed reports whether an Accept-Encoding value names a
// coding curl can decode, so that --compressed keeps the output readable.
func acceptsCompressed(values []string) bool {
	for _, v := range values {
		for c := range strings.SplitSeq(v, ",") {
			c, _, _ = strings.Cut(c, ";")
			switch strings.ToLower(strings.TrimSpace(c)) {
			case "gzip", "x-gzip", "deflate", "br", "zstd":
				return true
			}
		}
	}
	return false
}
