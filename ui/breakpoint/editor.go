package breakpoint

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/ui/style"
)

// editJob is one message being edited in the user's editor: the file,
// how the message was shown, and what to do with the edited text.
type editJob struct {
	what  string // "the request of flow #3", for notes and messages
	help  []string
	path  string
	shown messageText
	// apply parses the edited message and acts on it. An *editError, or
	// any error not wrapped in finalError, re-opens the editor with the
	// error noted at the top; a finalError ends the edit, keeping the file.
	apply func(text []byte) (done string, err error)
}

// finalError ends an edit: the text cannot be applied however it is
// changed (the flow was released meanwhile).
type finalError struct{ err error }

func (e finalError) Error() string { return e.err.Error() }
func (e finalError) Unwrap() error { return e.err }

// EditedMsg reports that the editor exited (tests wait for it).
type EditedMsg struct {
	job *editJob
	err error
}

// openEditor writes the job's message to its file, with notes on top (the
// problem with the last edit, if any), and runs the editor on it; the
// program is suspended meanwhile. text is the message without notes.
func (m *Model) openEditor(job *editJob, text []byte, problem error) tea.Cmd {
	notes := append(append([]string(nil), job.help...), "# Lines that start with # up here are ignored.")
	if problem != nil {
		msg := problem.Error()
		if ee, ok := problem.(*editError); ok && ee.line > 0 {
			// Lines are counted in the file as the editor shows it.
			msg = fmt.Sprintf("line %d: %s", len(notes)+2+ee.line, ee.msg)
		}
		notes = append([]string{"# siphon: " + style.Printable(msg) + ". Fix it and save, or empty the file to cancel.", "#"}, notes...)
	}
	var buf bytes.Buffer
	for _, n := range notes {
		buf.WriteString(n + "\n")
	}
	buf.Write(text)
	if job.path == "" {
		f, err := os.CreateTemp("", "siphon-edit-*.http")
		if err != nil {
			return m.host.Say(fmt.Sprintf("edit %s: %v", job.what, err))
		}
		job.path = f.Name()
		f.Close()
	}
	if err := os.WriteFile(job.path, buf.Bytes(), 0o600); err != nil {
		return m.host.Say(fmt.Sprintf("edit %s: %v", job.what, err))
	}
	args := strings.Fields(m.cfg.Editor)
	if len(args) == 0 {
		args = []string{"vi"}
	}
	cmd := exec.Command(args[0], append(args[1:], job.path)...)
	done := func(err error) tea.Msg { return EditedMsg{job: job, err: err} }
	t := m.term
	if t == nil {
		return tea.ExecProcess(cmd, done)
	}
	// The program's read loop ends before the terminal is handed over, and
	// the editor reads the terminal itself (given the program's input,
	// exec would feed it through a pipe): see terminal.
	cmd.Stdin = t.File()
	run := tea.Exec(terminalCommand{cmd, t}, done)
	return func() tea.Msg {
		t.Pause()
		return run()
	}
}

// terminalCommand runs a program on the terminal the UI reads through t,
// reading resumed when the program ends, before Bubble Tea reads again.
type terminalCommand struct {
	*exec.Cmd
	t Terminal
}

func (c terminalCommand) Run() error {
	defer c.t.Resume()
	return c.Cmd.Run()
}

// SetStdin and the others give the program the UI's terminal unless it
// has its own, as tea.ExecProcess does.
func (c terminalCommand) SetStdin(r io.Reader) {
	if c.Stdin == nil {
		c.Stdin = r
	}
}

func (c terminalCommand) SetStdout(w io.Writer) {
	if c.Stdout == nil {
		c.Stdout = w
	}
}

func (c terminalCommand) SetStderr(w io.Writer) {
	if c.Stderr == nil {
		c.Stderr = w
	}
}

// edited takes the file back from the editor and applies it, or opens
// the editor again when the message does not parse.
func (m *Model) edited(msg EditedMsg) tea.Cmd {
	job := msg.job
	if msg.err != nil {
		os.Remove(job.path)
		return m.host.Say(fmt.Sprintf("editor %q failed (%v): %s is unchanged", m.editorName(), msg.err, job.what))
	}
	data, err := os.ReadFile(job.path)
	if err != nil {
		return m.host.Say(fmt.Sprintf("read the edited %s: %v", job.what, err))
	}
	text, _ := stripNotes(data)
	if len(bytes.TrimSpace(text)) == 0 {
		os.Remove(job.path)
		return m.host.Say("the file was emptied: " + job.what + " is unchanged")
	}
	done, err := job.apply(text)
	var fe finalError
	switch {
	case errors.As(err, &fe):
		return m.host.Say(fmt.Sprintf("%v; your edit is kept in %s", fe.err, job.path))
	case err != nil:
		return tea.Batch(m.host.Say(job.what+": "+err.Error()), m.openEditor(job, text, err))
	}
	os.Remove(job.path)
	return m.host.Say(done)
}

func (m *Model) editorName() string {
	if args := strings.Fields(m.cfg.Editor); len(args) > 0 {
		return args[0]
	}
	return "vi"
}
