package main

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/internal/testutil/tuitest"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// fakeClipboard records what the UI copies.
type fakeClipboard struct {
	mu    sync.Mutex
	texts []string
}

func (c *fakeClipboard) Copy(text string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.texts = append(c.texts, text)
	return "the test's clipboard", nil
}

func (c *fakeClipboard) last() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.texts) == 0 {
		return ""
	}
	return c.texts[len(c.texts)-1]
}

// tuiHarness is siphon's proxy and UI wired by startTUI as runTUI does
// (with a fake clipboard and a test editor), driven through teatest, and
// a client that sends requests through the proxy.
type tuiHarness struct {
	t      *testing.T
	dir    string
	app    *tuiApp
	tm     *teatest.TestModel
	client *http.Client
	clip   *fakeClipboard
	km     keymap.Map
}

// startTUIHarness starts it with siphon's flags plus args; the editor is
// "sh DIR/editor.sh", a script tests write with setEditor.
func startTUIHarness(t *testing.T, args ...string) *tuiHarness {
	t.Helper()
	dir := t.TempDir()
	fs := newFlagSet("siphon")
	var o proxyOptions
	o.register(fs)
	must(t, parseFlags(fs, append([]string{"--listen", "127.0.0.1:0", "--home", filepath.Join(dir, "home"),
		"--session", filepath.Join(dir, "session.db")}, args...)))
	c, err := o.check()
	must(t, err)
	h := &tuiHarness{t: t, dir: dir, clip: &fakeClipboard{}, km: keymap.Default()}
	h.app, err = startTUI(t.Context(), &o, c, tuiSetup{editor: "sh " + filepath.Join(dir, "editor.sh"), clipboard: h.clip})
	must(t, err)
	proxyURL, _ := url.Parse("http://" + h.app.run.addr.String())
	h.client = &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL),
		TLSClientConfig: &tls.Config{RootCAs: h.app.run.ca.Pool()}}}
	h.tm = teatest.NewTestModel(t, h.app.model, teatest.WithInitialTermSize(160, 40))
	t.Cleanup(func() {
		h.tm.Quit()
		h.tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
		h.client.CloseIdleConnections()
		if err := h.app.stop(nil); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	h.wait("0 flows")
	return h
}

// setEditor makes the editor a shell script with this body ($1 is the
// file); DIR in it is the test's directory.
func (h *tuiHarness) setEditor(body string) {
	h.t.Helper()
	must(h.t, os.WriteFile(filepath.Join(h.dir, "editor.sh"), []byte(strings.ReplaceAll(body, "DIR", h.dir)), 0o644))
}

func (h *tuiHarness) press(scope keymap.Scope, a keymap.Action) { h.tm.Send(h.km.KeyMsg(scope, a)) }

// typeLine replaces an input's text with s and presses enter.
func (h *tuiHarness) typeLine(s string) {
	h.tm.Send(tea.KeyMsg{Type: tea.KeyCtrlU})
	h.tm.Type(s)
	h.tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
}

// wait waits until everything in want has been drawn.
func (h *tuiHarness) wait(want ...string) {
	h.t.Helper()
	tuitest.WaitScreen(h.t, h.tm, want...)
}

// waitScreen waits until everything in want has been drawn: it is
// tuitest.WaitScreen under the short name these tests use.
func waitScreen(t *testing.T, tm *teatest.TestModel, want ...string) {
	t.Helper()
	tuitest.WaitScreen(t, tm, want...)
}

// exchange is the outcome of a request sent in the background.
type exchange struct {
	status int
	body   string
	err    error
}

// send sends a request through the proxy in the background (it may be
// paused) and returns where its outcome arrives.
func (h *tuiHarness) send(method, target, body string, header http.Header) <-chan exchange {
	done := make(chan exchange, 1)
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	must(h.t, err)
	if body == "" {
		req.Body = nil
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	go func() {
		res, err := h.client.Do(req)
		if err != nil {
			done <- exchange{err: err}
			return
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		done <- exchange{status: res.StatusCode, body: string(b), err: err}
	}()
	return done
}

// outcome waits for a request sent with send.
func outcome(t *testing.T, ch <-chan exchange) exchange {
	t.Helper()
	return testutil.Receive(t, ch, "answer to the client")
}

// noRequest checks that the origin has received nothing (more).
func noRequest(t *testing.T, o *recordingOrigin, why string) {
	t.Helper()
	o.NoRequest(t, why)
}

// flowWith finds the stored flow whose request URL ends with suffix.
func (h *tuiHarness) flowWith(suffix string) *session.Flow {
	h.t.Helper()
	for _, f := range h.app.run.store.List(nil, 0, -1) {
		if f.Request != nil && strings.HasSuffix(f.Request.URL, suffix) {
			g, err := h.app.run.store.Get(f.ID)
			must(h.t, err)
			return g
		}
	}
	h.t.Fatalf("no stored flow for %s", suffix)
	return nil
}
