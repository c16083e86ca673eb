package intercept

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"

	"github.com/siphonproxy/siphon/filter"
	"golang.org/x/net/http/httpguts"
)

// maxMockFile bounds a mock body read from a file: mocks live in memory.
const maxMockFile = 64 << 20

// compiled is a Rule ready to act: its expression parsed, its regexes
// compiled, its mock body read. It is immutable once built, apart from
// the enabled flag and the hit counter.
type compiled struct {
	rule   *Rule // private copy
	id     string
	match  *filter.Filter
	mock   *compiledMock
	remote *url.URL
	reqRW  *compiledRewrite
	resRW  *compiledRewrite
	msgRW  *compiledMessageRewrite // WebSocket messages

	enabled atomic.Bool
	hits    *atomic.Int64 // shared with the rule's predecessors across reloads
}

type compiledMock struct {
	status int
	header http.Header
	body   []byte
}

type compiledRewrite struct {
	set     http.Header
	remove  []string
	status  int
	replace []compiledReplace
}

type compiledReplace struct {
	re   *regexp.Regexp
	with []byte
}

// fieldError is a problem with one field of a rule; the rules-file loader
// turns Field into the line it was written on.
type fieldError struct {
	Field string // "match", "mock.file", "rewrite.response.body-replace.1.regex"
	Msg   string
}

func (e *fieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErrorf(field, format string, args ...any) *fieldError {
	return &fieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// ruleID identifies a rule across reloads: its file and name.
func ruleID(file, name string) string { return file + "#" + name }

// compile checks r and builds what it needs to act. Relative mock files
// are resolved against dir.
func compile(r *Rule, dir string) (*compiled, error) {
	r = r.Clone()
	if strings.TrimSpace(r.Name) == "" {
		return nil, fieldErrorf("name", "a rule needs a name")
	}
	switch n := r.actions(); {
	case n == 0:
		return nil, fieldErrorf("name", "rule %q has no action: give it one of %s", r.Name, actionList)
	case n > 1:
		return nil, fieldErrorf("name", "rule %q has %d actions; a rule has exactly one (split it into several rules)", r.Name, n)
	}
	if strings.TrimSpace(r.Match) == "" {
		return nil, fieldErrorf("match", "rule %q needs a match expression (~all matches every flow)", r.Name)
	}
	m, err := filter.Parse(r.Match)
	if err != nil {
		return nil, fieldErrorf("match", "bad match expression %q: %v", r.Match, err)
	}
	c := &compiled{rule: r, id: ruleID(r.File, r.Name), match: m, hits: new(atomic.Int64)}
	c.enabled.Store(!r.Disabled)
	switch {
	case r.Mock != nil:
		err = c.compileMock(dir)
	case r.MapRemote != "":
		c.remote, err = parseRemote(r.MapRemote)
	case r.Rewrite != nil:
		if r.Rewrite.Request == nil && r.Rewrite.Response == nil && r.Rewrite.Messages == nil {
			return nil, fieldErrorf("rewrite", "rewrite needs a request, a response or a messages part")
		}
		if c.reqRW, err = compileRewrite("rewrite.request", r.Rewrite.Request); err == nil {
			c.resRW, err = compileRewrite("rewrite.response", r.Rewrite.Response)
		}
		if err == nil {
			c.msgRW, err = compileMessageRewrite(r.Rewrite.Messages)
		}
	case r.Block != nil:
		if !r.Block.Drop && !r.Block.Messages && !validStatus(r.Block.Status) {
			err = fieldErrorf("block", "bad status %d: want 100 to 999, or drop", r.Block.Status)
		}
	case r.Throttle != nil:
		if r.Throttle.Latency < 0 || r.Throttle.Bandwidth < 0 || (r.Throttle.Latency == 0 && r.Throttle.Bandwidth == 0) {
			err = fieldErrorf("throttle", "throttle needs a positive latency or bandwidth")
		}
	case r.Breakpoint > BreakMessages:
		err = fieldErrorf("breakpoint", "bad breakpoint: want request, response, both or messages")
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

const actionList = "breakpoint, mock, map-remote, rewrite, block, throttle"

func validStatus(s int) bool { return s >= 100 && s <= 999 }

func (c *compiled) compileMock(dir string) error {
	mk := c.rule.Mock
	cm := &compiledMock{status: mk.Status, header: http.Header{}}
	if cm.status == 0 {
		cm.status = http.StatusOK
	}
	if !validStatus(cm.status) {
		return fieldErrorf("mock.status", "bad status %d: want 100 to 999", mk.Status)
	}
	if mk.Delay < 0 {
		return fieldErrorf("mock.delay", "delay must not be negative")
	}
	if err := checkHeader("mock.headers", mk.Header); err != nil {
		return err
	}
	for k, v := range mk.Header {
		cm.header[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
	}
	switch {
	case mk.File != "" && mk.Body != "":
		return fieldErrorf("mock.file", "give a mock either body or file, not both")
	case mk.File != "":
		path := resolvePath(dir, mk.File)
		body, err := readMockFile(path)
		if err != nil {
			return fieldErrorf("mock.file", "%v", err)
		}
		cm.body = body
		if cm.header.Get("Content-Type") == "" {
			if ct := mime.TypeByExtension(filepath.Ext(path)); ct != "" {
				cm.header.Set("Content-Type", ct)
			}
		}
	default:
		cm.body = []byte(mk.Body)
	}
	if cm.header.Get("Content-Type") == "" && len(cm.body) > 0 {
		cm.header.Set("Content-Type", sniff(cm.body))
	}
	c.mock = cm
	return nil
}

// resolvePath makes a path from a rules file relative to its directory.
func resolvePath(dir, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(dir, path)
}

func readMockFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mock file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("mock file: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("mock file %s is a directory", path)
	}
	if st.Size() > maxMockFile {
		return nil, fmt.Errorf("mock file %s is larger than %d MiB", path, maxMockFile>>20)
	}
	body := make([]byte, st.Size())
	if _, err := f.ReadAt(body, 0); err != nil && st.Size() > 0 {
		return nil, fmt.Errorf("read mock file %s: %w", path, err)
	}
	return body, nil
}

// sniff guesses the type of an inline mock body: JSON is the common case
// and http.DetectContentType calls it text.
func sniff(body []byte) string {
	t := strings.TrimSpace(string(body[:min(len(body), 512)]))
	if strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		return "application/json"
	}
	return http.DetectContentType(body)
}

func parseRemote(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, fieldErrorf("map-remote", "bad URL %q: %v", raw, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fieldErrorf("map-remote", "bad URL %q: want http:// or https://", raw)
	case u.Host == "":
		return nil, fieldErrorf("map-remote", "bad URL %q: no host", raw)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return nil, fieldErrorf("map-remote", "bad URL %q: give only scheme, host, port and a path prefix", raw)
	}
	return u, nil
}

func compileRewrite(field string, m *MessageRewrite) (*compiledRewrite, error) {
	if m == nil {
		return nil, nil
	}
	return compileHTTPRewrite(field, m)
}

func compileHTTPRewrite(field string, m *MessageRewrite) (*compiledRewrite, error) {
	switch {
	case m.Status != 0 && field == "rewrite.request":
		return nil, fieldErrorf(field+".status", "a request has no status")
	case m.Status != 0 && !validStatus(m.Status):
		return nil, fieldErrorf(field+".status", "bad status %d: want 100 to 999", m.Status)
	}
	if err := checkHeader(field+".set-headers", m.SetHeaders); err != nil {
		return nil, err
	}
	cr := &compiledRewrite{set: http.Header{}, status: m.Status}
	for k, v := range m.SetHeaders {
		cr.set[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
	}
	for _, h := range m.RemoveHeaders {
		if !httpguts.ValidHeaderFieldName(h) {
			return nil, fieldErrorf(field+".remove-headers", "bad header name %q", h)
		}
		cr.remove = append(cr.remove, http.CanonicalHeaderKey(h))
	}
	var err error
	if cr.replace, err = compileReplace(field, m.BodyReplace); err != nil {
		return nil, err
	}
	if len(cr.set) == 0 && len(cr.remove) == 0 && cr.status == 0 && len(cr.replace) == 0 {
		return nil, fieldErrorf(field, "rewrite part changes nothing: give set-headers, remove-headers, status or body-replace")
	}
	return cr, nil
}

func checkHeader(field string, h http.Header) error {
	for k, vs := range h {
		if !httpguts.ValidHeaderFieldName(k) {
			return fieldErrorf(field, "bad header name %q", k)
		}
		for _, v := range vs {
			if !httpguts.ValidHeaderFieldValue(v) {
				return fieldErrorf(field, "bad value for header %s: control characters are not allowed", k)
			}
		}
	}
	return nil
}

func compileReplace(field string, rps []Replace) ([]compiledReplace, error) {
	var out []compiledReplace
	for i, rp := range rps {
		re, err := regexp.Compile(rp.Regex)
		if err != nil {
			return nil, fieldErrorf(fmt.Sprintf("%s.body-replace.%d.regex", field, i), "bad regex %q: %v", rp.Regex, err)
		}
		out = append(out, compiledReplace{re: re, with: []byte(rp.Replacement)})
	}
	return out, nil
}

// compiledMessageRewrite is a WebSocketRewrite ready to act.
type compiledMessageRewrite struct {
	replace  []compiledReplace
	up, down bool // the directions it changes
}

func compileMessageRewrite(m *WebSocketRewrite) (*compiledMessageRewrite, error) {
	if m == nil {
		return nil, nil
	}
	cm := &compiledMessageRewrite{}
	switch m.Direction {
	case "", "both":
		cm.up, cm.down = true, true
	case "up":
		cm.up = true
	case "down":
		cm.down = true
	default:
		return nil, fieldErrorf("rewrite.messages.direction", "bad direction %q: want up, down or both", m.Direction)
	}
	if len(m.BodyReplace) == 0 {
		return nil, fieldErrorf("rewrite.messages", "rewrite part changes nothing: give body-replace")
	}
	var err error
	cm.replace, err = compileReplace("rewrite.messages", m.BodyReplace)
	return cm, err
}
