package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/siphonproxy/siphon/mitm"
)

// requestTimeout bounds the whole request check.
const requestTimeout = 15 * time.Second

// originBody is what the doctor's origin answers, so that the check knows
// the answer came from it and not from an error page.
const originBody = "siphon doctor: origin reached\n"

// checkRequest starts a temporary siphon on a free loopback port, as
// siphon dump does (the same CA, minter and proxy), and sends an HTTPS
// request through it to a loopback origin: first trusting siphon's CA
// alone, which shows that siphon intercepts, then trusting the system
// store alone, which shows that clients that use the system store accept
// siphon's leaves. Nothing leaves the machine.
func (d *doctor) checkRequest(ctx context.Context) finding {
	const name = "request"
	if d.ca == nil {
		return fail(name, "not checked: the CA did not load", "see the CA line")
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()

	originAddr, originCert, stopOrigin, err := startDoctorOrigin()
	if err != nil {
		return fail(name, "start a local HTTPS server: "+err.Error(), "")
	}
	defer stopOrigin()
	tmp, err := os.MkdirTemp("", "siphon-doctor-")
	if err != nil {
		return fail(name, "temporary session: "+err.Error(), "")
	}
	defer os.RemoveAll(tmp)
	originRoots := x509.NewCertPool()
	originRoots.AddCert(originCert)
	o := &proxyOptions{home: d.home, session: filepath.Join(tmp, "doctor.db"), bodyLimit: byteSize(mitm.DefaultBodyLimit)}
	// The user's passthrough list is not the temporary siphon's: a host
	// passed through there would fail this check for nothing.
	r, err := startProxy(o, &checked{listen: "127.0.0.1:0", roots: originRoots}, proxySetup{ownPassthrough: true})
	if err != nil {
		return fail(name, "start a temporary siphon: "+err.Error(), "")
	}
	defer r.stop(nil, nil)

	target := "https://" + originAddr + "/siphon-doctor"
	proxy := &url.URL{Scheme: "http", Host: r.addr.String()}
	leaf, err := getThrough(ctx, proxy, target, d.ca.Pool())
	if err != nil {
		return fail(name, fmt.Sprintf("a request through a temporary siphon to %s failed: %v", target, err),
			"look in "+filepath.Join(d.home, "siphon.log")+" and report it")
	}
	d.leaf = leaf
	roots, err := d.systemRoots()
	if err != nil {
		return fail(name, "cannot read the system trust store: "+err.Error(), "")
	}
	if _, err := getThrough(ctx, proxy, target, roots); err != nil {
		var unknown x509.UnknownAuthorityError
		if errors.As(err, &unknown) {
			return fail(name, "siphon intercepted a request to "+target+", but a client trusting the system store rejected its certificate (unknown authority)",
				"trust the CA (see the trust line)")
		}
		return fail(name, fmt.Sprintf("a request through a temporary siphon to %s, trusting the system store, failed: %v", target, err), "")
	}
	return pass(name, "an HTTPS request through a temporary siphon to %s verified against the system trust store", target)
}

// getThrough sends GET target through proxy with a client that trusts
// roots alone, and returns the leaf the client was shown.
func getThrough(ctx context.Context, proxy *url.URL, target string, roots *x509.CertPool) (*x509.Certificate, error) {
	tr := &http.Transport{
		Proxy:             http.ProxyURL(proxy),
		TLSClientConfig:   &tls.Config{RootCAs: roots},
		DisableKeepAlives: true,
	}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	res, err := tr.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<16))
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	if res.StatusCode != http.StatusOK || string(body) != originBody {
		return nil, fmt.Errorf("got %s %q instead of the origin's answer", res.Status, body)
	}
	if res.TLS == nil || len(res.TLS.PeerCertificates) == 0 {
		return nil, errors.New("no TLS connection state")
	}
	return res.TLS.PeerCertificates[0], nil
}

// startDoctorOrigin starts an HTTPS server on a free loopback port with a
// throwaway self-signed certificate for 127.0.0.1, and returns it with
// that certificate (the temporary siphon trusts it alone upstream) and a
// function that stops it.
func startDoctorOrigin() (addr string, cert *x509.Certificate, stop func(), err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", nil, nil, err
	}
	cert, err = x509.ParseCertificate(der)
	if err != nil {
		return "", nil, nil, err
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}},
	})
	if err != nil {
		return "", nil, nil, err
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, originBody)
		}),
		ReadHeaderTimeout: requestTimeout,
	}
	go srv.Serve(l) // returns when srv is closed
	return l.Addr().String(), cert, func() { srv.Close() }, nil
}
