package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/certs"
)

// The built binary's siphon doctor, with the system store chosen through
// SSL_CERT_FILE and SSL_CERT_DIR (which Go reads on Linux), so that the
// result does not depend on what this machine trusts.

// runDoctorBinary runs siphon doctor with the environment less its proxy
// and certificate variables, plus extra.
func runDoctorBinary(t *testing.T, extra []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(siphonBin, append([]string{"doctor"}, args...)...)
	dieWithTests(cmd)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasSuffix(strings.ToLower(k), "_proxy") || strings.HasPrefix(k, "SSL_CERT_") || k == "SIPHON_HOME" {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, extra...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("run siphon doctor: %v", err)
		}
	}
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}

func TestDoctorBinaryPasses(t *testing.T) {
	home := t.TempDir()
	ca, err := certs.LoadOrCreate(home)
	if err != nil {
		t.Fatal(err)
	}
	// The system store holds siphon's CA and nothing else.
	out, errOut, code := runDoctorBinary(t, []string{"SSL_CERT_FILE=" + ca.CertPath(), "SSL_CERT_DIR=" + t.TempDir()},
		"--home", home, "--listen", "127.0.0.1:0")
	if code != 0 || errOut != "" || strings.Contains(out, "FAIL") {
		t.Fatalf("exit %d, stderr %q, want 0 and no failure:\n%s", code, errOut, out)
	}
	for _, phrase := range []string{
		"ok    trust      the system trust store trusts " + ca.Certificate().Subject.CommonName,
		"ok    request    an HTTPS request through a temporary siphon to https://127.0.0.1:",
		"ok    port       127.0.0.1:0 is free",
	} {
		if !strings.Contains(out, phrase) {
			t.Errorf("output lacks %q:\n%s", phrase, out)
		}
	}
	// The temporary siphon's session went with it.
	if entries, _ := os.ReadDir(filepath.Join(home, "sessions")); len(entries) != 0 {
		t.Errorf("doctor left sessions behind: %v", entries)
	}
}

func TestDoctorBinaryFails(t *testing.T) {
	home := t.TempDir()
	if _, err := certs.LoadOrCreate(home); err != nil {
		t.Fatal(err)
	}
	other, err := certs.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// Another program on the port (it answers, so the probe for a siphon
	// there needs no timeout).
	busy := httptest.NewServer(http.NotFoundHandler())
	defer busy.Close()
	out, errOut, code := runDoctorBinary(t, []string{
		"SSL_CERT_FILE=" + other.CertPath(), "SSL_CERT_DIR=" + t.TempDir(),
		"https_proxy=http://192.0.2.1:3128",
	}, "--home", home, "--listen", busy.Listener.Addr().String())
	if code != 1 || errOut != "siphon: doctor: 4 of 8 checks failed\n" {
		t.Errorf("exit %d, stderr %q; want exit 1 and 4 failures", code, errOut)
	}
	for _, prefix := range []string{"FAIL  trust ", "FAIL  request ", "FAIL  proxy env ", "FAIL  port "} {
		if !strings.Contains(out, "\n"+prefix) {
			t.Errorf("no line starting %q:\n%s", prefix, out)
		}
	}

	// A command-line mistake is a usage error.
	if _, errOut, code := runDoctorBinary(t, nil, "--listen", "nonsense"); code != 2 || !strings.HasPrefix(errOut, "siphon: bad --listen") {
		t.Errorf("bad --listen: exit %d, stderr %q; want 2", code, errOut)
	}
}
