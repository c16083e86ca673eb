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
	"github.com/siphonproxy/siphon/ui/prompt"
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
	// next, if apply sets it, runs after a successful apply, off the
	// event loop (a message sent on a WebSocket).
	next tea.Cmd
	ext  string // of the file; "" for .http
	// unchanged says what leaving the editor without a message, or its
	// failing, did; "" for "WHAT is unchanged".
	unchanged string
}

// unchangedSay is what an edit that changed nothing says.
func (job *editJob) unchangedSay() string {
	if job.unchanged != "" {
		return job.unchanged
	}
	return job.what + " is unchanged"
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
// program is suspended meanwhile. text is the message without notes. The
// file is written by the command returned, off the event loop.
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
	args := strings.Fields(m.cfg.Editor)
	if len(args) == 0 {
		args = []string{"vi"}
	}
	t := m.term
	return func() tea.Msg {
		if err := job.write(buf.Bytes()); err != nil {
			return prompt.Statusf("edit %s: %v", job.what, err)
		}
		cmd := exec.Command(args[0], append(args[1:], job.path)...)
		done := func(err error) tea.Msg { return EditedMsg{job: job, err: err} }
		if t == nil {
			return tea.ExecProcess(cmd, done)()
		}
		// The program's read loop ends before the terminal is handed over,
		// and the editor reads the terminal itself (given the program's
		// input, exec would feed it through a pipe): see terminal.
		cmd.Stdin = t.File()
		t.Pause()
		return tea.Exec(terminalCommand{cmd, t}, done)()
	}
}

// write writes the file the job is edited in, created on the first edit.
func (job *editJob) write(data []byte) error {
	if job.path == "" {
		ext := job.ext
		if ext == "" {
			ext = ".http"
		}
		f, err := os.CreateTemp("", "siphon-edit-*"+ext)
		if err != nil {
			return err
		}
		job.path = f.Name()
		f.Close()
	}
	return os.WriteFile(job.path, data, 0o600)
}

// readMsg carries an edited file, read off the event loop.
type readMsg struct {
	job  *editJob
	data []byte
	err  error
}

// remove removes a file off the event loop.
func remove(path string) tea.Cmd {
	return func() tea.Msg {
		os.Remove(path)
		return nil
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

// edited takes the editor's exit: the file it left is read by a command,
// then applied by read, or the editor opens again when the message does
// not parse.
func (m *Model) edited(msg EditedMsg) tea.Cmd {
	job := msg.job
	if msg.err != nil {
		return tea.Batch(remove(job.path), m.host.Say(fmt.Sprintf("editor %q failed (%v): %s", m.editorName(), msg.err, job.unchangedSay())))
	}
	return func() tea.Msg {
		data, err := os.ReadFile(job.path)
		return readMsg{job: job, data: data, err: err}
	}
}

// read applies the file the editor left.
func (m *Model) read(msg readMsg) tea.Cmd {
	job := msg.job
	if msg.err != nil {
		return m.host.Say(fmt.Sprintf("read the edited %s: %v", job.what, msg.err))
	}
	text, _ := stripNotes(msg.data)
	if len(bytes.TrimSpace(text)) == 0 {
		return tea.Batch(remove(job.path), m.host.Say("the file was emptied: "+job.unchangedSay()))
	}
	done, err := job.apply(text)
	var fe finalError
	switch {
	case errors.As(err, &fe):
		return m.host.Say(fmt.Sprintf("%v; your edit is kept in %s", fe.err, job.path))
	case err != nil:
		return tea.Batch(m.host.Say(job.what+": "+err.Error()), m.openEditor(job, text, err))
	}
	return tea.Batch(remove(job.path), m.host.Say(done), job.next)
}

func (m *Model) editorName() string {
	if args := strings.Fields(m.cfg.Editor); len(args) > 0 {
		return args[0]
	}
	return "vi"
}
