// Package load is the benchmark's load generator: a fixed number of
// workers issuing requests for a fixed time, over kept-alive or fresh
// connections, directly or through an HTTP proxy whose CA it trusts. It
// also measures single-shot things: never-seen host names, time to the
// first server-sent event, and WebSocket echo round trips.
package load

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Target says how clients reach the origin.
type Target struct {
	// Proxy is the HTTP proxy every request goes through; nil means direct.
	Proxy *url.URL
	// Roots are the only CAs trusted for HTTPS: the proxy's own CA, or the
	// origin's when direct. Verification is never turned off.
	Roots *x509.CertPool
	// Dial, when set, opens the client's connections instead of a
	// net.Dialer (an emulated slow link, in-process benchmarks).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// HTTP2 configures the client's HTTP/2 (its receive windows); nil
	// keeps Go's defaults.
	HTTP2 *http.HTTP2Config
}

// transport builds a client transport for t. serverName, when set, is the
// TLS server name sent and verified instead of the URL's host: requests go
// to 127.0.0.1 while the handshake names a host of the benchmark's domain.
// Without a Protocols setting and with a TLS config of its own, Go's
// transport speaks HTTP/1.1 only.
func (t Target) transport(keepAlive bool, conns int, serverName string) *http.Transport {
	return t.countingTransport(keepAlive, conns, serverName, nil)
}

// countingTransport is transport, counting the connections it opens in
// dials when that is not nil.
func (t Target) countingTransport(keepAlive bool, conns int, serverName string, dials *atomic.Int64) *http.Transport {
	dial := t.Dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: 10 * time.Second}).DialContext
	}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials != nil {
				dials.Add(1)
			}
			return dial(ctx, network, addr)
		},
		HTTP2:                 t.HTTP2,
		TLSClientConfig:       &tls.Config{RootCAs: t.Roots, ServerName: serverName},
		DisableKeepAlives:     !keepAlive,
		DisableCompression:    true,
		MaxIdleConns:          2 * conns,
		MaxIdleConnsPerHost:   conns,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
	}
	if t.Proxy != nil {
		tr.Proxy = http.ProxyURL(t.Proxy)
	}
	return tr
}

// Config is one load run.
type Config struct {
	URL         string
	Concurrency int
	// Warmup runs before the measured window; its requests (handshakes,
	// first connections, certificate minting) are not counted.
	Warmup time.Duration
	// Duration is the measured window: requests started in it are counted.
	Duration time.Duration
	// MaxRequests, when positive, stops the run after that many requests.
	MaxRequests int
	// NewConn opens a new connection (and TLS handshake) per request.
	NewConn bool
	// WantBytes is the body length every answer must have; negative
	// accepts any. A wrong length or a status other than 200 is an error.
	WantBytes int64
	// HTTP2 speaks HTTP/2 only (over TLS, through a proxy's CONNECT
	// tunnel too): an answer over another protocol is an error.
	HTTP2 bool
	// Conns is the number of HTTP/2 connections the workers share, each
	// carrying Concurrency/Conns streams at once (worker i uses connection
	// i mod Conns); 1 when zero. With more than one worker, each is opened
	// by one request before the run, counted as a warm-up request.
	Conns int
}

// Run drives cfg against t. Failed requests are counted in the result;
// the error is only for a configuration that cannot run.
func Run(ctx context.Context, t Target, cfg Config) (*Result, error) {
	if cfg.Concurrency < 1 || (cfg.Duration <= 0 && cfg.MaxRequests <= 0) {
		return nil, errors.New("load: need a concurrency and a duration or a request count")
	}
	if _, err := url.Parse(cfg.URL); err != nil {
		return nil, fmt.Errorf("load: bad URL: %w", err)
	}
	var (
		dials   atomic.Int64
		clients []*http.Client
		pinned  = &Result{}
	)
	if cfg.HTTP2 {
		conns := max(cfg.Conns, 1)
		if cfg.NewConn || conns > cfg.Concurrency {
			return nil, errors.New("load: HTTP/2 runs keep their connections, at most one per worker")
		}
		for range conns {
			tr := t.countingTransport(true, 1, "", &dials)
			tr.Protocols = new(http.Protocols)
			tr.Protocols.SetHTTP2(true)
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr}
			if cfg.Concurrency > 1 {
				// One request opens the connection before the workers
				// share it: concurrent first requests would each dial one.
				if _, _, err := fetch(ctx, c, cfg.URL, cfg.WantBytes, make([]byte, 64<<10), true); err != nil {
					pinned.add(0, 0, err)
				} else {
					pinned.Warm++
				}
			}
			clients = append(clients, c)
		}
	} else {
		tr := t.countingTransport(!cfg.NewConn, cfg.Concurrency, "", &dials)
		defer tr.CloseIdleConnections()
		clients = []*http.Client{{Transport: tr}}
	}

	start := time.Now()
	measured := start.Add(cfg.Warmup)
	end := measured.Add(cfg.Duration)
	if cfg.Duration <= 0 {
		end = time.Time{}
	}
	var (
		mu     sync.Mutex
		res    = &Result{}
		issued int
	)
	take := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if cfg.MaxRequests > 0 && issued >= cfg.MaxRequests {
			return false
		}
		issued++
		return true
	}
	var wg sync.WaitGroup
	for i := range cfg.Concurrency {
		client := clients[i%len(clients)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			var own Result
			buf := make([]byte, 64<<10)
			for ctx.Err() == nil {
				began := time.Now()
				if (!end.IsZero() && !began.Before(end)) || !take() {
					break
				}
				n, proto, err := fetch(ctx, client, cfg.URL, cfg.WantBytes, buf, cfg.HTTP2)
				own.proto(proto)
				if began.Before(measured) {
					own.Warm++
					continue
				}
				own.add(time.Since(began), n, err)
			}
			mu.Lock()
			res.merge(&own)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(measured)
	res.merge(pinned)
	res.Conns = int(dials.Load())
	res.finish()
	return res, nil
}

// fetch GETs u and reads the whole body, checking status, length and,
// when h2, that the answer came over HTTP/2. It returns the protocol the
// answer came over.
func fetch(ctx context.Context, c *http.Client, u string, want int64, buf []byte, h2 bool) (int64, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, "", err
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	n, err := drain(res.Body, buf)
	switch {
	case err != nil:
		return n, res.Proto, fmt.Errorf("read body after %d bytes: %w", n, err)
	case res.StatusCode != http.StatusOK:
		return n, res.Proto, fmt.Errorf("status %s", res.Status)
	case want >= 0 && n != want:
		return n, res.Proto, fmt.Errorf("body of %d bytes, want %d", n, want)
	case h2 && res.ProtoMajor != 2:
		return n, res.Proto, fmt.Errorf("answered over %s, want HTTP/2.0", res.Proto)
	}
	return n, res.Proto, nil
}

// drain reads r to the end through buf (io.Discard's own 8 KiB buffer
// would cost a gigabyte download many more reads).
func drain(r io.Reader, buf []byte) (int64, error) {
	var n int64
	for {
		k, err := r.Read(buf)
		n += int64(k)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
