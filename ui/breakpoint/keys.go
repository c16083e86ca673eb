package breakpoint

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/prompt"
	"github.com/siphonproxy/siphon/ui/style"
)

// Key handles the intercept keys on the list and the flow view;
// f is the flow under the cursor or open (nil for none).
func (m *Model) Key(a keymap.Action, f *session.Flow) tea.Cmd {
	e := m.cfg.Engine
	if a == keymap.ActResumeAll && (e != nil || m.cfg.Messages != nil) {
		return m.host.Say(m.resumeAll())
	}
	if e == nil {
		return m.host.Say(keymap.NoProxy)
	}
	switch a {
	case keymap.ActIntercept:
		return m.host.Ask("intercept flows matching (~s: pause at the response)", e.InterceptFilter(), prompt.CheckFilter, m.setInterceptFilter)
	case keymap.ActInterceptToggle:
		e.SetIntercepting(!e.Intercepting())
		return m.host.Say(m.Status())
	}
	if f == nil {
		return m.host.Say("no flow here")
	}
	pf, paused := m.pausedFlow(f.ID)
	switch {
	case a == keymap.ActEdit && !paused:
		return m.loadForEdit(f)
	case !paused:
		return m.host.Say(fmt.Sprintf("flow #%d is not paused at a breakpoint", f.Seq))
	}
	var err error
	switch a {
	case keymap.ActResume:
		if err = e.Resume(pf.ID); err == nil {
			return m.host.Say(fmt.Sprintf("resumed flow #%d", f.Seq))
		}
	case keymap.ActKill:
		if err = e.Kill(pf.ID); err == nil {
			return m.host.Say(fmt.Sprintf("killed flow #%d: its client's connection is closed", f.Seq))
		}
	case keymap.ActEdit:
		job := m.pausedEdit(pf, f.Seq)
		return m.openEditor(job, job.shown.text, nil)
	case keymap.ActAnswer:
		job := m.answerEdit(pf, f.Seq)
		return m.openEditor(job, job.shown.text, nil)
	}
	if err == nil {
		return nil
	}
	return m.host.Say(pausedError(err, f.Seq).Error())
}

// setInterceptFilter applies the expression typed after i; a non-empty one
// also turns interception on.
func (m *Model) setInterceptFilter(expr string) tea.Cmd {
	e := m.cfg.Engine
	if err := e.SetInterceptFilter(expr); err != nil {
		return m.host.Say(err.Error())
	}
	if strings.TrimSpace(expr) != "" {
		e.SetIntercepting(true)
	}
	return m.host.Say(m.Status())
}

// pausedFlow returns the paused flow with the given ID, as the engine holds it.
func (m *Model) pausedFlow(id string) (intercept.PausedFlow, bool) {
	for _, p := range m.cfg.Engine.Paused() {
		if p.ID == id {
			return p, true
		}
	}
	return intercept.PausedFlow{}, false
}

// pausedError words an engine error about a paused flow; a flow released
// meanwhile is a finalError.
func pausedError(err error, seq int64) error {
	if errors.Is(err, intercept.ErrNotPaused) {
		return finalError{fmt.Errorf("flow #%d is no longer paused (resumed, timed out, or its client left)", seq)}
	}
	return err
}

// pausedEdit is the edit of a paused flow's message at its phase.
func (m *Model) pausedEdit(pf intercept.PausedFlow, seq int64) *editJob {
	e := m.cfg.Engine
	job := &editJob{}
	if pf.Phase == intercept.RequestPhase {
		job.what = fmt.Sprintf("the request of flow #%d", seq)
		job.shown = requestText(pf.Flow.Request)
		job.apply = func(text []byte) (string, error) {
			q, err := parseRequest(text, job.shown, pf.Flow.Request)
			if err != nil {
				return "", err
			}
			if err := e.EditRequest(pf.ID, q); err != nil {
				return "", pausedError(err, seq)
			}
			return fmt.Sprintf("sent the edited request of flow #%d", seq), nil
		}
	} else {
		job.what = fmt.Sprintf("the response of flow #%d", seq)
		job.shown = responseText(pf.Flow.Response)
		job.apply = func(text []byte) (string, error) {
			r, err := parseResponse(text, job.shown)
			if err != nil {
				return "", err
			}
			if err := e.EditResponse(pf.ID, r); err != nil {
				return "", pausedError(err, seq)
			}
			return fmt.Sprintf("sent the edited response of flow #%d", seq), nil
		}
	}
	job.help = editNotes(job.what+", paused at a breakpoint. Save and quit to send it as written here;",
		"empty the file to leave the flow paused.", job.shown)
	return job
}

// answerEdit is an answer of the user's own to a paused flow: a template
// response to edit. At the request phase the origin is never contacted.
func (m *Model) answerEdit(pf intercept.PausedFlow, seq int64) *editJob {
	e := m.cfg.Engine
	body := "answered by siphon\n"
	tmpl := &session.Response{Status: http.StatusOK, Reason: "OK", Proto: "HTTP/1.1",
		Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}},
		Body:   session.Body{Data: []byte(body), Size: int64(len(body))}}
	job := &editJob{what: fmt.Sprintf("the answer to flow #%d", seq), shown: responseText(tmpl)}
	done := fmt.Sprintf("answered flow #%d: the origin was not contacted", seq)
	if pf.Phase == intercept.ResponsePhase {
		done = fmt.Sprintf("answered flow #%d: the origin's response was replaced", seq)
	}
	job.apply = func(text []byte) (string, error) {
		r, err := parseResponse(text, job.shown)
		if err != nil {
			return "", err
		}
		if err := e.Answer(pf.ID, r); err != nil {
			return "", pausedError(err, seq)
		}
		return done, nil
	}
	job.help = editNotes(job.what+" (paused at a breakpoint): the response its client gets. Save and quit to send it;",
		"empty the file to leave the flow paused.", job.shown)
	return job
}

// editNotes are the notes on top of an edited message: what it is, how to
// send or cancel, and how its body is shown.
func editNotes(what, cancel string, shown messageText) []string {
	notes := []string{"# siphon: " + style.Printable(what), "# " + cancel}
	switch shown.form {
	case formText:
		if shown.enc != "" && shown.enc != "identity" {
			notes = append(notes, "# The body is shown decoded ("+style.Printable(shown.enc)+"); it is encoded again as Content-Encoding then says.")
		}
	case formHex:
		notes = append(notes, "# The body is binary, shown as hex digits (Siphon-Body: hex; that line is never sent).")
	case formWireHex:
		notes = append(notes, "# The body could not be decoded: shown as hex digits of its bytes as received (Siphon-Body: wire-hex).")
	case formKept:
		notes = append(notes, "# The body is not shown (cut at the capture limit): Siphon-Body: unchanged passes it on as it is.")
	}
	return notes
}

// Status is the status bar's intercept part; "" in a read-only
// session, which has no proxy.
func (m *Model) Status() string {
	e := m.cfg.Engine
	if m.cfg.ReadOnly {
		return ""
	}
	s := "intercept: off"
	if e != nil && e.Intercepting() {
		s = "intercept: on (no filter)"
		if expr := e.InterceptFilter(); expr != "" {
			s = "intercept: " + style.Printable(expr)
		}
	}
	if m.paused > 0 {
		s += fmt.Sprintf(" · ⏸ %d paused", m.paused)
	}
	if n := len(m.msgs); n > 0 {
		s += " · ⏸ " + style.Count(n, "paused message")
	}
	return s
}
