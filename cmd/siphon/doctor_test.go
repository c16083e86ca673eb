package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/certs"
)

// testDoctor returns a doctor for a new CA in a test home, on a machine
// that trusts the CA, has the network address 192.0.2.10, no proxy
// variable, and a free port: every check passes until a test spoils one.
func testDoctor(t *testing.T) (*doctor, *certs.CA, map[string]string) {
	t.Helper()
	home := t.TempDir()
	ca, err := certs.LoadOrCreate(home)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	d := &doctor{
		home:        home,
		listen:      "127.0.0.1:0",
		systemRoots: func() (*x509.CertPool, error) { return ca.Pool(), nil },
		getenv:      func(k string) string { return env[k] },
		interfaceAddrs: func() ([]net.Addr, error) {
			return []net.Addr{
				&net.IPNet{IP: net.IPv4(127, 0, 0, 1), Mask: net.CIDRMask(8, 32)},
				&net.IPNet{IP: net.IPv4(192, 0, 2, 10), Mask: net.CIDRMask(24, 32)},
			}, nil
		},
	}
	return d, ca, env
}

// runChecks runs d and returns its output's lines by check name, and the
// number of failures.
func runChecks(t *testing.T, d *doctor) (map[string]string, int) {
	t.Helper()
	var out bytes.Buffer
	failed, total := d.run(context.Background(), &out)
	lines := map[string]string{}
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")[1:] {
		lines[strings.TrimSpace(l[6:17])] = l
	}
	if len(lines) != total {
		t.Fatalf("%d checks, %d lines:\n%s", total, len(lines), out.String())
	}
	return lines, failed
}

// expect checks the outcome of each named check: "ok" or "FAIL", and a
// phrase each line must hold.
func expect(t *testing.T, lines map[string]string, failed int, want map[string][2]string) {
	t.Helper()
	wantFailed := 0
	for name, line := range lines {
		status, phrase := "ok", ""
		if w, ok := want[name]; ok {
			status, phrase = w[0], w[1]
		}
		if status == "FAIL" {
			wantFailed++
		}
		if !strings.HasPrefix(line, status+" ") || !strings.Contains(line, phrase) {
			t.Errorf("%s: %q, want %s with %q", name, line, status, phrase)
		}
	}
	if failed != wantFailed {
		t.Errorf("%d checks failed, want %d", failed, wantFailed)
	}
}

func TestDoctorAllPass(t *testing.T) {
	d, ca, _ := testDoctor(t)
	lines, failed := runChecks(t, d)
	expect(t, lines, failed, map[string][2]string{
		"CA":      {"ok", ca.CertPath()},
		"CA key":  {"ok", "(0600)"},
		"trust":   {"ok", "trusts " + ca.Certificate().Subject.CommonName},
		"request": {"ok", "verified against the system trust store"},
		"leaf":    {"ok", "spans 180 days"},
		"port":    {"ok", "127.0.0.1:0 is free"},
		"LAN":     {"ok", "loopback only; for a phone on your network run siphon --listen 0.0.0.0:0 --proxy-auth USER:PASS and use 192.0.2.10:0"},
	})
}

// The user's passthrough list does not reach the temporary siphon: its
// own request to 127.0.0.1 is intercepted whatever the list holds.
func TestDoctorIgnoresPassthroughList(t *testing.T) {
	d, _, _ := testDoctor(t)
	if err := os.WriteFile(filepath.Join(d.home, passthroughFile), []byte("127.0.0.1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	lines, failed := runChecks(t, d)
	expect(t, lines, failed, map[string][2]string{"request": {"ok", "verified against the system trust store"}})
}

func TestDoctorNoCA(t *testing.T) {
	d, _, _ := testDoctor(t)
	d.home = t.TempDir()
	lines, failed := runChecks(t, d)
	notChecked := [2]string{"FAIL", "not checked: the CA did not load. Fix: see the CA line"}
	expect(t, lines, failed, map[string][2]string{
		"CA":      {"FAIL", "no CA in " + d.home + " yet. Fix: run siphon once"},
		"CA key":  notChecked,
		"trust":   notChecked,
		"request": notChecked,
		"leaf":    notChecked,
	})
	if entries, _ := os.ReadDir(d.home); len(entries) != 0 {
		t.Errorf("doctor created files in the home: %v", entries)
	}
}

// TestDoctorUnreadableKey replaces the key with something that cannot be
// read as one: a directory (the tests may run as root, who reads any file
// whatever its mode), and a file of mode 0 when not root.
func TestDoctorUnreadableKey(t *testing.T) {
	d, _, _ := testDoctor(t)
	key := filepath.Join(d.home, certs.KeyFile)
	if err := os.Remove(key); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(key, 0o700); err != nil {
		t.Fatal(err)
	}
	lines, failed := runChecks(t, d)
	notChecked := [2]string{"FAIL", "not checked: the CA did not load"}
	expect(t, lines, failed, map[string][2]string{
		"CA":      {"FAIL", "load CA key " + key + ": read " + key + ": is a directory. Fix: restore the files, or move both away"},
		"CA key":  {"FAIL", key + " is not a file"},
		"trust":   notChecked,
		"request": notChecked,
		"leaf":    notChecked,
	})

	if os.Geteuid() == 0 {
		return
	}
	d, _, _ = testDoctor(t)
	key = filepath.Join(d.home, certs.KeyFile)
	if err := os.Chmod(key, 0); err != nil {
		t.Fatal(err)
	}
	lines, failed = runChecks(t, d)
	expect(t, lines, failed, map[string][2]string{
		"CA":      {"FAIL", "permission denied. Fix: run doctor as the user who runs siphon"},
		"CA key":  {"FAIL", "has mode 0000"},
		"trust":   notChecked,
		"request": notChecked,
		"leaf":    notChecked,
	})
}

func TestDoctorKeyReadableByOthers(t *testing.T) {
	d, _, _ := testDoctor(t)
	key := filepath.Join(d.home, certs.KeyFile)
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	lines, failed := runChecks(t, d)
	expect(t, lines, failed, map[string][2]string{
		"CA key": {"FAIL", key + " has mode 0644: others may read the key that can impersonate any site to your devices. Fix: chmod 600 " + key},
	})
}

func TestDoctorCANotTrusted(t *testing.T) {
	d, ca, _ := testDoctor(t)
	other, err := certs.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d.systemRoots = func() (*x509.CertPool, error) { return other.Pool(), nil }
	lines, failed := runChecks(t, d)
	expect(t, lines, failed, map[string][2]string{
		"trust":   {"FAIL", "the system trust store does not trust " + ca.Certificate().Subject.CommonName + ". Fix: "},
		"request": {"FAIL", "a client trusting the system store rejected its certificate (unknown authority). Fix: trust the CA"},
		"leaf":    {"ok", "siphon's leaf for 127.0.0.1 spans 180 days"}, // the leaf siphon served
	})
}

func TestDoctorPortInUse(t *testing.T) {
	d, _, _ := testDoctor(t)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "another program\n")
	}))
	defer other.Close()
	d.listen = other.Listener.Addr().String()
	lines, failed := runChecks(t, d)
	expect(t, lines, failed, map[string][2]string{
		"port": {"FAIL", "cannot listen on " + d.listen + ": "},
	})

	// A file server listing a file named siphon is not a siphon.
	listing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<html><body><a href="siphon">siphon</a></body></html>`)
	}))
	defer listing.Close()
	d.listen = listing.Listener.Addr().String()
	lines, failed = runChecks(t, d)
	expect(t, lines, failed, map[string][2]string{
		"port": {"FAIL", "cannot listen on " + d.listen + ": "},
	})

	// A siphon already listening there is no failure: it is the one to use.
	siphonThere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "siphon: this is a proxy; send it absolute-form requests", http.StatusBadRequest)
	}))
	defer siphonThere.Close()
	d.listen = siphonThere.Listener.Addr().String()
	lines, failed = runChecks(t, d)
	expect(t, lines, failed, map[string][2]string{
		"port": {"ok", d.listen + ": a siphon is listening there already"},
	})
}

func TestDoctorProxyVariables(t *testing.T) {
	d, _, env := testDoctor(t)
	d.listen = "127.0.0.1:8080"
	for _, tc := range []struct {
		env  map[string]string
		want [2]string
	}{
		{map[string]string{}, [2]string{"ok", "no proxy variable is set"}},
		{map[string]string{"HTTPS_PROXY": "http://10.0.0.1:3128"},
			[2]string{"FAIL", "HTTPS_PROXY=http://10.0.0.1:3128 points at 10.0.0.1:3128, not at this siphon (127.0.0.1:8080). Fix: unset them, or export https_proxy=http://127.0.0.1:8080"}},
		{map[string]string{"https_proxy": "http://127.0.0.1:8080", "all_proxy": "socks5://127.0.0.1:1080"},
			[2]string{"FAIL", "all_proxy=socks5://127.0.0.1:1080 points at 127.0.0.1:1080"}},
		{map[string]string{"http_proxy": "http://me:secret@127.0.0.1:9999"},
			[2]string{"FAIL", "http_proxy=http://me:xxxxx@127.0.0.1:9999 points at"}},
		{map[string]string{"HTTPS_PROXY": "https://localhost:8080"},
			[2]string{"FAIL", "siphon is an HTTP proxy, https:// does not reach it"}},
		{map[string]string{"https_proxy": "http://127.0.0.1:8080", "HTTP_PROXY": "localhost:8080"},
			[2]string{"ok", "https_proxy, HTTP_PROXY point at this siphon (127.0.0.1:8080) (curl ignores HTTP_PROXY: it reads http_proxy)"}},
	} {
		clear(env)
		for k, v := range tc.env {
			env[k] = v
		}
		f := d.checkProxyEnv(context.Background())
		if got := f.line(); !strings.HasPrefix(got, tc.want[0]+" ") || !strings.Contains(got, tc.want[1]) || strings.Contains(got, "secret") {
			t.Errorf("%v: %q, want %s with %q", tc.env, got, tc.want[0], tc.want[1])
		}
	}
	// A siphon on every interface is reached by any of the machine's addresses.
	d.listen = "0.0.0.0:8080"
	clear(env)
	env["https_proxy"] = "http://192.0.2.10:8080"
	if f := d.checkProxyEnv(context.Background()); !f.ok {
		t.Errorf("listen 0.0.0.0, proxy at the machine's address: %s", f.line())
	}
	env["https_proxy"] = "http://192.0.2.99:8080"
	if f := d.checkProxyEnv(context.Background()); f.ok {
		t.Errorf("listen 0.0.0.0, proxy at another machine: %s", f.line())
	}
}

func TestDoctorLAN(t *testing.T) {
	d, _, _ := testDoctor(t)
	for _, tc := range []struct {
		listen string
		addrs  []net.Addr
		want   [2]string
	}{
		{"0.0.0.0:8080", nil, [2]string{"FAIL", "no network address found"}},
		{"0.0.0.0:8080", []net.Addr{&net.IPNet{IP: net.IPv4(192, 0, 2, 10), Mask: net.CIDRMask(24, 32)}},
			[2]string{"ok", "devices on your network can use 192.0.2.10:8080"}},
		{"192.0.2.10:8080", []net.Addr{&net.IPNet{IP: net.IPv4(192, 0, 2, 10), Mask: net.CIDRMask(24, 32)}},
			[2]string{"ok", "devices on your network can use 192.0.2.10:8080"}},
		{"192.0.2.77:8080", []net.Addr{&net.IPNet{IP: net.IPv4(192, 0, 2, 10), Mask: net.CIDRMask(24, 32)}},
			[2]string{"FAIL", "192.0.2.77 is not an address of this machine (it has 192.0.2.10)"}},
	} {
		d.listen = tc.listen
		d.interfaceAddrs = func() ([]net.Addr, error) { return tc.addrs, nil }
		if got := d.checkLAN(context.Background()).line(); !strings.HasPrefix(got, tc.want[0]+" ") || !strings.Contains(got, tc.want[1]) {
			t.Errorf("listen %s, addresses %v: %q, want %s with %q", tc.listen, tc.addrs, got, tc.want[0], tc.want[1])
		}
	}
}

func TestDoctorLeafSpan(t *testing.T) {
	now := time.Now()
	for days, wantOK := range map[int]bool{180: true, 90: true, 181: false, 398: false} {
		leaf := &x509.Certificate{DNSNames: []string{"example.com"}, NotBefore: now, NotAfter: now.AddDate(0, 0, days)}
		f := leafSpan(leaf, certs.MaxLeafValidity)
		if f.ok != wantOK || !strings.Contains(f.line(), "example.com") {
			t.Errorf("%d days: %q, want ok=%v", days, f.line(), wantOK)
		}
	}
}
