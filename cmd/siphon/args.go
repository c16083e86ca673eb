package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// parseWithArgs parses flags that may come before, between or after
// positional arguments ("siphon import capture.har --session out.db") and
// returns the positional ones. "--" ends the flags. -h prints the flags;
// other mistakes are one-line usage errors, as with parseFlags.
func parseWithArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		err := fs.Parse(args)
		if err == flag.ErrHelp {
			fs.SetOutput(os.Stdout)
			fmt.Fprintf(os.Stdout, "Usage of %s:\n", fs.Name())
			fs.PrintDefaults()
			return nil, &usageError{"help requested"}
		}
		if err != nil {
			return nil, flagError(fs, "%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if i := len(args) - len(rest) - 1; i >= 0 && args[i] == "--" {
			return append(positional, rest...), nil
		}
		// Parse stopped at a positional argument: keep it, go on after it.
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// newFlagSet returns a flag set that reports errors instead of printing,
// for the command name ("dump", "ca export"; "siphon" for siphon itself).
func newFlagSet(name string) *flag.FlagSet {
	if name != "siphon" {
		name = "siphon " + name
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// flagError is a mistake in the flags of fs's command, worded as other
// errors are: main adds "siphon: ", this the command ("dump: ") if any.
func flagError(fs *flag.FlagSet, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if cmd, ok := strings.CutPrefix(fs.Name(), "siphon "); ok {
		msg = cmd + ": " + msg
	}
	return &usageError{msg}
}

// parseFlags parses args; -h prints the flags; anything else wrong is a
// one-line usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == flag.ErrHelp {
		fs.SetOutput(os.Stdout)
		fmt.Fprintf(os.Stdout, "Usage of %s:\n", fs.Name())
		fs.PrintDefaults()
		return &usageError{"help requested"}
	}
	if err != nil {
		return flagError(fs, "%v", err)
	}
	if fs.NArg() > 0 {
		return flagError(fs, "unexpected argument %q", fs.Arg(0))
	}
	return nil
}
