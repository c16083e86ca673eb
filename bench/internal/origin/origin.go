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
	// HTTPURL and HTTPSURL are the base URLs of the plain and the HTTPS
	// (HTTP/1.1 only) listeners, like http://127.0.0.1:41234 (no trailing
	// slash); H2URL that of the HTTPS listener that offers h2 first.
	HTTPURL, HTTPSURL, H2URL string
	// CAPath is a PEM file holding the CA that signed the HTTPS
	// certificate; proxies are told to trust it upstream.
	CAPath string

	pool    *x509.CertPool
	servers []*http.Server
	wg      sync.WaitGroup
}

// Start runs an origin on three fresh loopback ports (plain HTTP, HTTPS
// with HTTP/1.1 only, HTTPS with h2 and HTTP/1.1) and writes its CA
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

	var ls []net.Listener
	for range 3 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			for _, l := range ls {
				l.Close()
			}
			return nil, fmt.Errorf("origin listen: %w", err)
		}
		ls = append(ls, l)
	}
	s.HTTPURL = "http://" + ls[0].Addr().String()
	s.HTTPSURL = "https://" + ls[1].Addr().String()
	s.H2URL = "https://" + ls[2].Addr().String()
	mux := newMux()
	tlsConf := func(protos ...string) *tls.Config {
		return &tls.Config{Certificates: []tls.Certificate{leaf}, NextProtos: protos}
	}
	for i, l := range []net.Listener{ls[0],
		// The HTTP/1.1 scenarios compare like with like: clients and
		// origin speak HTTP/1.1 whatever the proxy between them offers.
		tls.NewListener(ls[1], tlsConf("http/1.1")),
		tls.NewListener(ls[2], tlsConf("h2", "http/1.1")),
	} {
		srv := &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       time.Minute,
			ErrorLog:          discardLog(),
		}
		if i < 2 {
			// An empty map keeps net/http from turning on HTTP/2.
			srv.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
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
