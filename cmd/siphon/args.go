package main

import (
	"flag"
	"fmt"
	"os"
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
			return nil, usagef("%s: %v", fs.Name(), err)
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
