package session

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// HARCreator names the program that writes a HAR file (log.creator).
type HARCreator struct {
	Name    string
	Version string
}

// HARWriter writes one HAR 1.2 document, an entry at a time: only the
// entry being written is in memory, so a session of any size is exported
// in bounded memory. Call Write for each flow, then Close. A HARWriter is
// not safe for concurrent use.
type HARWriter struct {
	w       *bufio.Writer
	creator HARCreator
	buf     bytes.Buffer
	enc     *json.Encoder
	n       int
	err     error // sticky: after a failed write the document is unusable
	closed  bool
}

// NewHARWriter returns a writer of a HAR document to w. Nothing is written
// until the first Write or Close.
func NewHARWriter(w io.Writer, creator HARCreator) *HARWriter {
	hw := &HARWriter{w: bufio.NewWriterSize(w, 64<<10), creator: creator}
	hw.enc = json.NewEncoder(&hw.buf)
	hw.enc.SetEscapeHTML(false)
	hw.enc.SetIndent("      ", "  ")
	return hw
}

// Write appends f as an entry. f's bodies must be loaded (as Store.Get
// returns them); an Unloaded body would be written as empty.
func (hw *HARWriter) Write(f *Flow) error { return hw.write(f, nil) }

func (hw *HARWriter) write(f *Flow, msgs []Message) error {
	if hw.err != nil {
		return hw.err
	}
	if hw.closed {
		return errors.New("write HAR entry: writer closed")
	}
	if hw.n == 0 {
		hw.head()
	} else {
		hw.w.WriteString(",\n      ")
	}
	hw.buf.Reset()
	e := harEntryOf(f)
	e.WebSocketMessages = harMessagesOf(msgs)
	if f.Kind == WebSocket {
		e.ResourceType = "websocket"
	}
	if err := hw.enc.Encode(e); err != nil {
		hw.err = fmt.Errorf("write HAR entry for flow %s: %w", f.ID, err)
		return hw.err
	}
	hw.w.Write(bytes.TrimRight(hw.buf.Bytes(), "\n"))
	hw.n++
	if hw.buf.Cap() > 1<<20 {
		// One huge body should not pin its buffer for the rest of the file.
		hw.buf = bytes.Buffer{}
	}
	return hw.flushErr()
}

// Close ends the document and flushes it; it does not close the
// underlying writer. It returns the first error of any Write or of the
// final flush.
func (hw *HARWriter) Close() error {
	if hw.closed || hw.err != nil {
		return hw.err
	}
	hw.closed = true
	if hw.n == 0 {
		hw.head()
	}
	hw.w.WriteString("\n    ]\n  }\n}\n")
	if err := hw.w.Flush(); err != nil && hw.err == nil {
		hw.err = fmt.Errorf("write HAR: %w", err)
	}
	return hw.err
}

func (hw *HARWriter) head() {
	creator, _ := json.Marshal(harCreator{Name: hw.creator.Name, Version: hw.creator.Version})
	fmt.Fprintf(hw.w, "{\n  \"log\": {\n    \"version\": %q,\n    \"creator\": %s,\n    \"entries\": [\n      ",
		HARVersion, creator)
}

// flushErr flushes when the buffer is full anyway and records a failure
// of the underlying writer.
func (hw *HARWriter) flushErr() error {
	if hw.w.Buffered() > 48<<10 {
		if err := hw.w.Flush(); err != nil {
			hw.err = fmt.Errorf("write HAR: %w", err)
		}
	}
	return hw.err
}

// WriteHAR writes one HAR document of the given flows (bodies loaded) to w.
func WriteHAR(w io.Writer, creator HARCreator, flows ...*Flow) error {
	hw := NewHARWriter(w, creator)
	for _, f := range flows {
		if err := hw.Write(f); err != nil {
			return err
		}
	}
	return hw.Close()
}

// ExportHAR writes the flows m matches (all for a nil m), in Seq order, as
// one HAR document to w, and returns how many it wrote, WebSocket messages
// included. Bodies and messages are read from the file one flow at a time,
// so memory stays bounded by the largest flow whatever the session's size. Flows deleted meanwhile are left out.
// It stops with ctx's error when ctx is done.
func (s *Store) ExportHAR(ctx context.Context, w io.Writer, m Matcher, creator HARCreator) (int, error) {
	hw := NewHARWriter(w, creator)
	var err error
	s.scan(m, true, func(f *Flow, own bool) bool {
		if err = ctx.Err(); err != nil {
			return false
		}
		if !own || !bodiesLoaded(f) {
			f, err = s.Get(f.ID)
			if errors.Is(err, ErrNotFound) {
				err = nil
				return true
			}
			if err != nil {
				return false
			}
		}
		var msgs []Message
		if st := s.MessageStats(f.ID); st.Stored > 0 {
			if msgs, err = s.Messages(f.ID, 0, int(st.Stored)); err != nil {
				return false
			}
		}
		err = hw.write(f, msgs)
		return err == nil
	})
	if err != nil {
		return hw.n, fmt.Errorf("export HAR from %s: %w", s.path, err)
	}
	if err := hw.Close(); err != nil {
		return hw.n, fmt.Errorf("export HAR from %s: %w", s.path, err)
	}
	return hw.n, nil
}
