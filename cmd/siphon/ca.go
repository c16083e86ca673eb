package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/siphonproxy/siphon/certs"
)

func runCA(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("ca needs a subcommand: path or export")
	}
	fs := newFlagSet("ca " + args[0])
	home := fs.String("home", "", "siphon's home directory (default ~/.siphon or $SIPHON_HOME)")
	format := fs.String("format", "pem", "export format: pem or der")
	out := fs.String("o", "", "write to FILE instead of standard output")
	switch args[0] {
	case "path", "export":
	default:
		return usagef("unknown ca subcommand %q: use path or export", args[0])
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	dir, err := homeDir(*home)
	if err != nil {
		return err
	}
	ca, err := certs.LoadOrCreate(dir)
	if err != nil {
		return err
	}
	if args[0] == "path" {
		fmt.Fprintln(stdout, ca.CertPath())
		return nil
	}
	var data []byte
	switch *format {
	case "pem":
		data = ca.PEM()
	case "der":
		data = ca.DER()
	default:
		return usagef("unknown --format %q: use pem or der", *format)
	}
	if *out == "" {
		_, err = stdout.Write(data)
		return err
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return fmt.Errorf("export CA: %w", err)
	}
	return nil
}

// newFlagSet returns a flag set that reports errors instead of printing.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("siphon "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
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
		return usagef("%s: %v", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}
