package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/certs"
	"github.com/siphonproxy/siphon/internal/testutil"
)

// TestCAExportFormats runs siphon ca export for every format into a
// directory, and checks each file's name and content against the CA.
func TestCAExportFormats(t *testing.T) {
	openssl := testutil.NeedCommand(t, "openssl")
	home := t.TempDir()
	ca, err := certs.LoadOrCreate(home)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := exec.Command(openssl, "x509", "-subject_hash_old", "-noout", "-in", ca.CertPath()).Output()
	if err != nil {
		t.Fatalf("openssl: %v", err)
	}
	for format, want := range map[string]struct {
		name string
		data []byte
	}{
		"pem":          {"siphon-ca.pem", ca.PEM()},
		"der":          {"siphon-ca.cer", ca.DER()},
		"android":      {strings.TrimSpace(string(hash)) + ".0", ca.AndroidSystemFile()},
		"mobileconfig": {"siphon-ca.mobileconfig", ca.MobileConfig()},
	} {
		dir := t.TempDir()
		out, errOut, code := runSiphonHome(t, home, "ca", "export", "--format", format, "-o", dir)
		path := filepath.Join(dir, want.name)
		if code != 0 || out != path+"\n" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 0 and %s", format, code, out, errOut, path)
			continue
		}
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want.data) {
			t.Errorf("%s: %s: %v, or not the CA's %s", format, path, err, format)
		}
		// Standard output, and -o FILE, carry the same bytes.
		if got, _, _ := runSiphonHome(t, home, "ca", "export", "--format", format); got != string(want.data) {
			t.Errorf("%s: standard output is not the CA's %s", format, format)
		}
		file := filepath.Join(dir, "named")
		if _, _, code := runSiphonHome(t, home, "ca", "export", "--format", format, "-o", file); code != 0 {
			t.Errorf("%s: -o FILE: exit %d", format, code)
		} else if got, _ := os.ReadFile(file); !bytes.Equal(got, want.data) {
			t.Errorf("%s: -o FILE wrote something else", format)
		}
	}
}

// TestCAExportUnknownFormat checks the usage error, and that it creates no
// CA in a fresh home.
func TestCAExportUnknownFormat(t *testing.T) {
	home := t.TempDir()
	_, errOut, code := runSiphonHome(t, home, "ca", "export", "--format", "p12")
	if code != 2 || errOut != "siphon: unknown --format \"p12\": use pem, der, android or mobileconfig\n" {
		t.Errorf("exit %d, stderr %q; want exit 2 and the formats", code, errOut)
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Errorf("a usage error left files in the home: %v", entries)
	}
}
