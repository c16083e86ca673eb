// Package origin is the load benchmark's web server: plain HTTP and HTTPS
// listeners on 127.0.0.1 serving a small JSON document, streamed downloads
// of any size, server-sent events and a WebSocket echo. Its certificate
// covers *.bench.test, so clients can present many host names while every
// byte stays on loopback.
package origin

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Server is a running origin. Its methods are safe for concurrent use.
type Server struct {
	// HTTPURL and HTTPSURL are the base URLs of the two listeners, like
	// http://127.0.0.1:41234 (no trailing slash).
	HTTPURL, HTTPSURL string
	// CAPath is a PEM file holding the CA that signed the HTTPS
	// certificate; proxies are told to trust it upstream.
	CAPath string

	pool    *x509.CertPool
	servers []*http.Server
	wg      sync.WaitGroup
}

// Start runs an origin on two fresh loopback ports and writes its CA
// certificate into dir.
func Start(dir string) (*Server, error) {
	leaf, caPEM, err := newCertificate(time.Now())
	if err != nil {
		return nil, err
	}
	s := &Server{CAPath: filepath.Join(dir, "origin-ca.pem"), pool: x509.NewCertPool()}
	if err := os.WriteFile(s.CAPath, caPEM, 0o644); err != nil {
		return nil, fmt.Errorf("write origin CA: %w", err)
	}
	s.pool.AppendCertsFromPEM(caPEM)

	plain, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("origin listen: %w", err)
	}
	secure, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		plain.Close()
		return nil, fmt.Errorf("origin listen: %w", err)
	}
	s.HTTPURL = "http://" + plain.Addr().String()
	s.HTTPSURL = "https://" + secure.Addr().String()
	mux := newMux()
	for _, l := range []net.Listener{plain, tls.NewListener(secure, &tls.Config{
		Certificates: []tls.Certificate{leaf},
		// The proxies offer clients only HTTP/1.1; direct runs must compare
		// like with like.
		NextProtos: []string{"http/1.1"},
	})} {
		srv := &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       time.Minute,
			// An empty map keeps net/http from turning on HTTP/2.
			TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
			ErrorLog:     discardLog(),
		}
		s.servers = append(s.servers, srv)
		s.wg.Add(1)
		go func(l net.Listener) {
			defer s.wg.Done()
			srv.Serve(l)
		}(l)
	}
	return s, nil
}

// Pool returns a pool that trusts the origin's HTTPS certificate.
func (s *Server) Pool() *x509.CertPool { return s.pool }

// Close stops both listeners, waits up to ctx for open requests, then
// closes every connection.
func (s *Server) Close(ctx context.Context) error {
	var errs []error
	for _, srv := range s.servers {
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
			errs = append(errs, err)
		}
	}
	s.wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close origin: %w", err)
	}
	return nil
}
