package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui"
)

// browseModel is the UI of siphon --readonly FILE, and closeStore ends
// what it reads from. FILE is a session file, or a HAR file (Chrome's,
// Firefox's, siphon's...), told apart by content rather than by name: a
// HAR file is imported into a session in a temporary directory, which
// closeStore removes. Neither file is written. A file that is neither, or
// a HAR file that does not read, is a usage error of one line.
func browseModel(ctx context.Context, path, filterExpr string, opts ...ui.Option) (m *ui.Model, closeStore func() error, err error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, usagef("read session: %v", err)
	}
	defer fh.Close()
	var store *session.Store
	if session.LooksLikeHAR(fh) {
		if _, err := fh.Seek(0, io.SeekStart); err != nil {
			return nil, nil, usagef("read %s: %v", path, err)
		}
		store, closeStore, err = importForBrowsing(ctx, fh, path)
	} else {
		// The first rows show at once; the rest of a big session streams
		// in behind them, the status bar saying how far.
		store, err = session.Open(path, session.Options{ReadOnly: true, LoadInBackground: true})
		if err != nil {
			err = usagef("%v", err)
		} else {
			closeStore = store.Close
			go releaseLoadGarbage(ctx, store)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	opts = append([]ui.Option{ui.WithReadOnly(), ui.WithFilter(filterExpr)}, opts...)
	return ui.New(store, opts...), closeStore, nil
}

// importForBrowsing reads the HAR document r (the file at path) into a new
// session in a temporary directory. The session is named after the HAR
// file, which is the name the status bar shows. closeStore closes it and
// removes the directory; on error nothing is left behind.
func importForBrowsing(ctx context.Context, r io.Reader, path string) (store *session.Store, closeStore func() error, err error) {
	dir, err := os.MkdirTemp("", "siphon-har-*")
	if err != nil {
		return nil, nil, fmt.Errorf("import %s: %w", path, err)
	}
	store, err = session.Open(filepath.Join(dir, filepath.Base(path)), session.Options{})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("import %s: %w", path, err)
	}
	closeStore = func() error {
		err := store.Close()
		return errors.Join(err, os.RemoveAll(dir))
	}
	// Read rather than ImportHAR: the session is thrown away on error,
	// so there is nothing to roll back, and the error names the HAR file
	// the user gave, not the temporary session. WebSocket messages
	// (_webSocketMessages) come along for the Messages tab.
	_, err = session.ReadHARMessages(r, func(f *session.Flow, msgs []session.Message) error {
		if err := ctx.Err(); err != nil {
			return err // SIGINT while a big file is read
		}
		store.Add(f)
		for _, m := range msgs {
			if err := store.AddMessage(f.ID, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		closeStore()
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("import %s: %w", path, ctx.Err())
		}
		return nil, nil, usagef("%s: %v", path, err)
	}
	return store, closeStore, nil
}

// releaseLoadGarbage returns the memory the load of store left behind to
// the system once it has ended: reading a million flows allocates twice
// the index it builds, and an idle UI would not collect it for minutes
// (the TUI over a million flows held 450-570 MiB after the load instead
// of 350-400 MiB).
func releaseLoadGarbage(ctx context.Context, store *session.Store) {
	select {
	case <-store.Loaded():
		debug.FreeOSMemory()
	case <-ctx.Done():
	}
}
