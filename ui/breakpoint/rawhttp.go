package breakpoint

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/style"
	"golang.org/x/net/http/httpguts"
)

// A message in the editor is raw HTTP: the request line (with an absolute
// URL) or the status line, header lines, a blank line and the body. Lines
// starting with # before the first line are siphon's notes and are
// ignored. The body is shown decoded; see bodyForm.

// messageText is a message as the editor shows it, and what parsing it
// back needs to know.
type messageText struct {
	text []byte
	form bodyForm
	enc  string // the Content-Encoding the body was decoded from
	// bodyEndsInNewline: editors add a final newline on save; one the
	// body did not have is not taken as part of it.
	bodyEndsInNewline bool
}

// requestText formats q for the editor.
func requestText(q *session.Request) messageText {
	return formatMessage(fmt.Sprintf("%s %s %s", q.Method, q.URL, protoOf(q.Proto)), q.Header, q.Body)
}

// responseText formats p for the editor.
func responseText(p *session.Response) messageText {
	reason := p.Reason
	if reason == "" {
		reason = http.StatusText(p.Status)
	}
	return formatMessage(strings.TrimSpace(fmt.Sprintf("%s %03d %s", protoOf(p.Proto), p.Status, reason)), p.Header, p.Body)
}

func formatMessage(first string, h http.Header, b session.Body) messageText {
	enc := session.ContentEncoding(h)
	form, shown := editableBody(b, enc)
	var buf bytes.Buffer
	buf.WriteString(first + "\n")
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	}) {
		for _, v := range h[k] {
			buf.WriteString(k + ": " + v + "\n")
		}
	}
	if form != formText {
		buf.WriteString(bodyFormHeader + ": " + string(form) + "\n")
	}
	buf.WriteString("\n")
	buf.Write(shown)
	return messageText{text: buf.Bytes(), form: form, enc: enc, bodyEndsInNewline: bytes.HasSuffix(shown, []byte("\n"))}
}

func protoOf(p string) string {
	if p == "" {
		return "HTTP/1.1"
	}
	return p
}

// editError is a mistake in an edited message; line counts from the
// message's first line (1), 0 when the mistake has no line.
type editError struct {
	line int
	msg  string
}

func (e *editError) Error() string {
	if e.line > 0 {
		return fmt.Sprintf("line %d: %s", e.line, e.msg)
	}
	return e.msg
}

// parsedMessage is an edited message split into its parts.
type parsedMessage struct {
	first  string
	header http.Header
	body   session.Body
}

// parseMessage reads an edited message (siphon's # notes already cut off
// with stripNotes). orig is how the message was shown.
func parseMessage(text []byte, orig messageText) (*parsedMessage, error) {
	head, body, _ := bytes.Cut(text, []byte("\n\n"))
	if i := bytes.Index(text, []byte("\r\n\r\n")); i >= 0 && i < len(head) {
		head, body = text[:i], text[i+4:]
	}
	lines := strings.Split(strings.ReplaceAll(string(head), "\r\n", "\n"), "\n")
	p := &parsedMessage{first: strings.TrimSpace(lines[0]), header: http.Header{}}
	if p.first == "" {
		return nil, &editError{1, "the first line is empty: want the request or status line"}
	}
	form := formText
	for i, l := range lines[1:] {
		n := i + 2
		if l == "" {
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			return nil, &editError{n, "a header line may not start with a space (folded headers are not allowed)"}
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok || !httpguts.ValidHeaderFieldName(name) {
			return nil, &editError{n, fmt.Sprintf("%q is not a header line: want Name: value", style.CapText(l, 80))}
		}
		value = strings.Trim(value, " \t")
		if !httpguts.ValidHeaderFieldValue(value) {
			return nil, &editError{n, fmt.Sprintf("header %s has a character a header value may not have", name)}
		}
		if strings.EqualFold(name, bodyFormHeader) {
			form = bodyForm(strings.ToLower(value))
			continue
		}
		p.header.Add(name, value)
	}
	var err error
	p.body, err = editedBody(body, form, orig, session.ContentEncoding(p.header))
	if err != nil {
		return nil, err
	}
	return p, nil
}

// editedBody turns the body as edited back into wire bytes.
func editedBody(text []byte, form bodyForm, orig messageText, enc string) (session.Body, error) {
	var data []byte
	switch form {
	case formKept:
		if len(bytes.TrimSpace(text)) > 0 {
			return session.Body{}, &editError{0, "the body is marked Siphon-Body: unchanged; remove that line to send the body written here"}
		}
		return session.Body{Unloaded: true}, nil
	case formHex, formWireHex:
		var err error
		if data, err = unhexText(text); err != nil {
			return session.Body{}, &editError{0, err.Error()}
		}
		if form == formWireHex {
			return session.Body{Data: data, Size: int64(len(data))}, nil
		}
	case formText:
		data = text
		if !orig.bodyEndsInNewline {
			data = bytes.TrimSuffix(data, []byte("\n"))
		}
	default:
		return session.Body{}, &editError{0, fmt.Sprintf("unknown %s: %q (want hex, wire-hex or unchanged)", bodyFormHeader, form)}
	}
	data, err := session.EncodeBody(data, enc)
	if err != nil {
		return session.Body{}, &editError{0, err.Error()}
	}
	return session.Body{Data: data, Size: int64(len(data))}, nil
}

// parseRequest reads an edited request; base is the request as it was,
// against which a path-only target is resolved.
func parseRequest(text []byte, orig messageText, base *session.Request) (*session.Request, error) {
	p, err := parseMessage(text, orig)
	if err != nil {
		return nil, err
	}
	f := strings.Fields(p.first)
	if len(f) < 2 || len(f) > 3 {
		return nil, &editError{1, fmt.Sprintf("%q is not a request line: want METHOD URL HTTP/1.1", style.CapText(p.first, 80))}
	}
	if !httpguts.ValidHeaderFieldName(f[0]) {
		return nil, &editError{1, fmt.Sprintf("%q is not an HTTP method", style.CapText(f[0], 40))}
	}
	target, err := url.Parse(f[1])
	if err == nil && target.Host == "" && base != nil {
		if b, berr := url.Parse(base.URL); berr == nil {
			target = b.ResolveReference(target)
		}
	}
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return nil, &editError{1, fmt.Sprintf("%q is not a URL siphon can send: want http://host/path or https://host/path", style.CapText(f[1], 80))}
	}
	q := &session.Request{Method: f[0], URL: target.String(), Proto: "HTTP/1.1", Header: p.header, Body: p.body}
	if len(f) == 3 {
		if q.Proto, err = checkProto(f[2]); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// parseResponse reads an edited response.
func parseResponse(text []byte, orig messageText) (*session.Response, error) {
	p, err := parseMessage(text, orig)
	if err != nil {
		return nil, err
	}
	proto, rest := "HTTP/1.1", p.first
	if strings.HasPrefix(rest, "HTTP/") {
		first, after, _ := strings.Cut(rest, " ")
		if proto, err = checkProto(first); err != nil {
			return nil, err
		}
		rest = strings.TrimSpace(after)
	}
	code, reason, _ := strings.Cut(rest, " ")
	status, err := strconv.Atoi(code)
	if err != nil || len(code) != 3 || status < 100 {
		return nil, &editError{1, fmt.Sprintf("%q is not a status line: want HTTP/1.1 200 OK", style.CapText(p.first, 80))}
	}
	return &session.Response{Status: status, Reason: strings.TrimSpace(reason), Proto: proto, Header: p.header, Body: p.body}, nil
}

func checkProto(s string) (string, error) {
	if _, _, ok := http.ParseHTTPVersion(s); !ok {
		return "", &editError{1, fmt.Sprintf("%q is not an HTTP version: want HTTP/1.1", style.CapText(s, 40))}
	}
	return s, nil
}

// stripNotes cuts siphon's notes (lines starting with #) and blank lines
// from the start of an edited file, and returns how many lines it cut.
func stripNotes(text []byte) ([]byte, int) {
	n := 0
	for len(text) > 0 {
		line, rest, found := bytes.Cut(text, []byte("\n"))
		t := bytes.TrimSpace(line)
		if len(t) > 0 && t[0] != '#' {
			break
		}
		n++
		text = rest
		if !found {
			text = nil
		}
	}
	return text, n
}
