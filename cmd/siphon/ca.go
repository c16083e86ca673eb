package main

import (
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
