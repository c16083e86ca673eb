package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/siphonproxy/siphon/filter"
	"github.com/siphonproxy/siphon/replay"
	"github.com/siphonproxy/siphon/session"
)

const exportFormats = "curl, httpie, raw, raw-request, raw-response or har"

// runExport is "siphon export --format F [--filter EXPR] [-o FILE] SESSION".
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export")
	format := fs.String("format", "curl", "what to write: "+exportFormats)
	expr := fs.String("filter", "", "filter expression: which flows to export (default all)")
	out := fs.String("o", "", "write to this file instead of stdout (binary bodies of curl and httpie commands go to files beside it)")
	pos, err := parseWithArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("export: want one session file (siphon export --format curl SESSION)")
	}
	f := strings.ToLower(*format)
	if f != string(replay.FormatRaw) {
		if _, err := replay.ParseFormat(f); err != nil {
			return usagef("export: bad --format %q: want %s", *format, exportFormats)
		}
	}
	m, err := filter.Parse(*expr)
	if err != nil {
		return usagef("export: bad --filter: %v", err)
	}
	store, err := openSessionReadOnly(pos[0])
	if err != nil {
		return err
	}
	defer store.Close()

	return writeOutput(*out, stdout, func(w io.Writer, dir, base string) error {
		if f == string(replay.FormatHAR) {
			_, err := store.ExportHAR(ctx, w, m, session.HARCreator{Name: "siphon", Version: versionString()})
			return err
		}
		ex := &exporter{store: store, format: f, w: w, stderr: stderr, dir: dir, base: base}
		return ex.run(ctx, m)
	})
}

// openSessionReadOnly opens a session file to read; a missing or foreign
// file is a usage error.
func openSessionReadOnly(path string) (*session.Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, usagef("read session: %v", err)
	}
	store, err := session.Open(path, session.Options{ReadOnly: true})
	if err != nil {
		return nil, usagef("%v", err)
	}
	return store, nil
}

// writeOutput runs write against stdout, or against a temporary file
// renamed to path once complete, so a failed export never leaves a
// half-written file or clobbers an existing one. dir and base locate the
// output, for files written beside it ("" when writing to stdout).
func writeOutput(path string, stdout io.Writer, write func(w io.Writer, dir, base string) error) error {
	if path == "" {
		return write(stdout, "", "")
	}
	dir, base := filepath.Dir(path), filepath.Base(path)
	tmp, err := os.CreateTemp(dir, "."+base+".*")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	if err := write(tmp, dir, base); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("export to %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("export to %s: %w", path, err)
	}
	return nil
}

// exporter writes flows one after another as commands or raw HTTP.
type exporter struct {
	store     *session.Store
	format    string
	w         io.Writer
	stderr    io.Writer
	dir, base string // of the output file; "" for stdout
	written   int
	skipped   int
}

func (ex *exporter) run(ctx context.Context, m session.Matcher) error {
	for lf := range ex.store.All(m) {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := ex.store.Get(lf.ID)
		if err == nil {
			err = ex.one(f)
		}
		var werr *writeError
		switch {
		case errors.As(err, &werr):
			return werr.err
		case err != nil:
			ex.skipped++
			fmt.Fprintf(ex.stderr, "siphon: export: flow #%d %s skipped: %v\n", lf.Seq, requestLine(lf), err)
		default:
			ex.written++
		}
	}
	if ex.skipped > 0 {
		fmt.Fprintf(ex.stderr, "siphon: export: %d flows written, %d skipped\n", ex.written, ex.skipped)
		if ex.written == 0 {
			return errors.New("export: no flow could be exported")
		}
	}
	return nil
}

// writeError is a failure to write the output, which ends the export
// (unlike a flow that cannot be exported, which is skipped).
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

func (ex *exporter) one(f *session.Flow) error {
	opts := replay.ShellOptions{}
	var bodyPath string
	if ex.dir != "" {
		opts.BodyFile = fmt.Sprintf("%s.%d.body", ex.base, f.Seq)
		bodyPath = filepath.Join(ex.dir, opts.BodyFile)
	}
	text, body, err := replay.Entry(replay.Format(ex.format), f, opts)
	if err != nil {
		return err
	}
	if body != nil {
		// Bodies go beside the output file, named after it; the command
		// reads them relative to its directory.
		if err := os.WriteFile(bodyPath, body, 0o600); err != nil {
			return &writeError{fmt.Errorf("export: write body of flow #%d: %w", f.Seq, err)}
		}
	}
	if ex.written > 0 {
		text = append([]byte("\n"), text...)
	}
	if _, err := ex.w.Write(text); err != nil {
		return &writeError{fmt.Errorf("export: %w", err)}
	}
	return nil
}

// requestLine is "METHOD URL" for messages, control characters escaped.
func requestLine(f *session.Flow) string {
	if f.Request == nil {
		return "-"
	}
	return f.Request.Method + " " + printable(f.Request.URL)
}
