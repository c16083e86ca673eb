package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/siphonproxy/siphon/certs"
)

// caFormat is one way of exporting the CA certificate.
type caFormat struct {
	data func(*certs.CA) []byte
	// name is the file name used when -o names a directory.
	name func(*certs.CA) string
}

// lookupCAFormat returns the export format called name, the same files
// as the certificate page serves.
func lookupCAFormat(name string) (caFormat, bool) {
	switch name {
	case "pem":
		return caFormat{(*certs.CA).PEM, fixedName("siphon-ca.pem")}, true
	case "der":
		return caFormat{(*certs.CA).DER, fixedName("siphon-ca.cer")}, true
	case "android":
		return caFormat{(*certs.CA).AndroidSystemFile, (*certs.CA).AndroidFileName}, true
	case "mobileconfig":
		return caFormat{(*certs.CA).MobileConfig, fixedName("siphon-ca.mobileconfig")}, true
	}
	return caFormat{}, false
}

const caFormatNames = "pem, der, android or mobileconfig"

func fixedName(name string) func(*certs.CA) string {
	return func(*certs.CA) string { return name }
}

func runCA(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("ca needs a subcommand: path or export")
	}
	flags := newFlagSet("ca " + args[0])
	home := flags.String("home", "", "siphon's home directory (default ~/.siphon or $SIPHON_HOME)")
	format := flags.String("format", "pem", "export format: "+caFormatNames)
	out := flags.String("o", "", "write to FILE, or into DIR under the format's usual name (android: the <subject_hash_old>.0 its system store needs), instead of standard output")
	switch args[0] {
	case "path", "export":
	default:
		return usagef("unknown ca subcommand %q: use path or export", args[0])
	}
	if err := parseFlags(flags, args[1:]); err != nil {
		return err
	}
	// Check the format before the CA is loaded, which creates one on first
	// use: a mistake must not leave a new CA behind.
	f, ok := lookupCAFormat(*format)
	if args[0] == "export" && !ok {
		return usagef("unknown --format %q: use %s", *format, caFormatNames)
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
	data := f.data(ca)
	if *out == "" {
		_, err = stdout.Write(data)
		return err
	}
	path := *out
	st, err := os.Stat(path)
	isDir := err == nil && st.IsDir()
	if isDir {
		path = filepath.Join(path, f.name(ca))
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("export CA to %s: %w", path, err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("export CA: %w", err)
	}
	if isDir {
		// The name was siphon's choice (android's is a hash): say it.
		fmt.Fprintln(stdout, path)
	}
	return nil
}
