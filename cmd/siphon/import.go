package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// runImport is "siphon import FILE.har [--session OUT.db]": it reads a HAR
// file (Chrome, Firefox, Charles, siphon...) into a session file.
func runImport(args []string, stdin io.Reader, stderr io.Writer) error {
	flags := newFlagSet("import")
	out := flags.String("session", "", "session file to import into; an existing one is added to (default: new file under <home>/sessions)")
	homeFlag := flags.String("home", "", "siphon's home directory (default ~/.siphon or $SIPHON_HOME)")
	pos, err := parseWithArgs(flags, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("import: want one HAR file (siphon import capture.har --session out.db; - reads stdin)")
	}
	in, name := stdin, "stdin"
	if pos[0] != "-" {
		fh, err := os.Open(pos[0])
		if err != nil {
			return usagef("import: %v", err)
		}
		defer fh.Close()
		in, name = fh, pos[0]
	}
	path := *out
	if path == "" {
		home, err := homeDir(*homeFlag)
		if err != nil {
			return err
		}
		if path, err = newSessionPath(home, time.Now()); err != nil {
			return err
		}
	}
	_, statErr := os.Stat(path)
	created := errors.Is(statErr, fs.ErrNotExist)
	store, err := session.Open(path, session.Options{})
	if err != nil {
		return usagef("%v", err)
	}
	n, err := session.ImportHAR(in, store)
	if cerr := store.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		if created {
			// Nothing was imported: leave no empty session behind.
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(path + suffix)
			}
		}
		return fmt.Errorf("import %s: %w", name, err)
	}
	fmt.Fprintf(stderr, "siphon: imported %d flows from %s into %s\n", n, name, store.Path())
	return nil
}
