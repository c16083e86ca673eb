package certs

import (
	"container/list"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// DefaultCacheSize is how many leaves a Minter keeps when NewMinter is given
// a cache size of zero or less.
const DefaultCacheSize = 1024

const (
	// leafValidity is the most a leaf spans from NotBefore to NotAfter,
	// backdate included. Since 2026-03-15 the CA/Browser Forum allows 200
	// days, and Android WebView rejects longer leaves with
	// ERR_CERT_VALIDITY_TOO_LONG counting the backdate (mitmproxy#8201);
	// 180 keeps a margin for clients that round.
	leafValidity = 180 * 24 * time.Hour
	// leafBackdate moves a leaf's NotBefore into the past, inside
	// leafValidity, for phones and test devices whose clocks run behind.
	leafBackdate = 48 * time.Hour
	// renewMargin is how long before its NotAfter a cached leaf is re-minted
	// (or half its remaining life, when the CA expires sooner than that), so
	// a long-running siphon never serves an expired leaf, nor one that a
	// client whose clock runs ahead already sees as expired.
	renewMargin = 30 * 24 * time.Hour
)

// Minter mints leaf certificates signed by a CA and keeps the most recently
// used ones in a bounded cache. It is safe for concurrent use: concurrent
// callers asking for the same new host share one mint.
type Minter struct {
	ca *CA
	// key is the one key of every leaf. A key per host would cost a key
	// generation per miss and protect nothing: siphon holds all of them.
	key    *ecdsa.PrivateKey
	flight singleflight.Group
	minted atomic.Uint64

	// now is the clock leaves are dated and aged by; tests replace it to
	// age leaves by months without waiting.
	now func() time.Time

	mu    sync.Mutex
	cache *lru // guarded by mu
}

// NewMinter returns a Minter that signs leaves with ca and caches up to
// cacheSize of them (DefaultCacheSize if cacheSize <= 0). It generates the
// ECDSA P-256 key that all its leaves share.
func NewMinter(ca *CA, cacheSize int) (*Minter, error) {
	if ca == nil {
		return nil, errors.New("certs: new minter: nil CA")
	}
	if cacheSize <= 0 {
		cacheSize = DefaultCacheSize
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("certs: new minter: generate leaf key: %w", err)
	}
	return &Minter{ca: ca, key: key, cache: newLRU(cacheSize), now: time.Now}, nil
}

// Leaf returns a certificate for host, from the cache or newly minted. Host
// may be a DNS name, an IPv4 or IPv6 literal (bracketed or not), with or
// without a ":port"; names are matched case-insensitively. The result's Leaf
// field is set and its chain holds the leaf alone (the CA is a trust anchor
// the client already has). The result is shared with other callers and must
// not be modified.
func (m *Minter) Leaf(host string) (*tls.Certificate, error) {
	h, err := parseHost(host)
	if err != nil {
		return nil, err
	}
	if c := m.cached(h.key, m.wallClock()); c != nil {
		return c, nil
	}
	v, err, _ := m.flight.Do(h.key, func() (any, error) {
		// A caller that missed the cache just as an earlier flight for this
		// host finished starts a flight of its own: look again, or it would
		// mint a second leaf.
		now := m.wallClock()
		if c := m.cached(h.key, now); c != nil {
			return c, nil
		}
		c, renewAt, err := m.mint(h, now)
		if err != nil {
			return nil, err
		}
		m.mu.Lock()
		m.cache.add(h.key, c, renewAt)
		m.mu.Unlock()
		return c, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*tls.Certificate), nil
}

// wallClock returns m's time without its monotonic reading. Clients judge
// a leaf by the wall clock, and the monotonic clock stops while a laptop
// sleeps: renewal timed by it would come weeks late in a siphon left
// running for months.
func (m *Minter) wallClock() time.Time { return m.now().Round(0) }

// cached returns the usable leaf cached for key at now, or nil.
func (m *Minter) cached(key string, now time.Time) *tls.Certificate {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cache.get(key, now)
}

// mint signs a new leaf for h valid at now, and says when to renew it.
func (m *Minter) mint(h host, now time.Time) (*tls.Certificate, time.Time, error) {
	caCert := m.ca.cert
	// x509 keeps whole seconds: from a whole second, the span is exactly
	// leafValidity.
	now = now.Truncate(time.Second)
	notAfter := now.Add(leafValidity - leafBackdate)
	if notAfter.After(caCert.NotAfter) {
		notAfter = caCert.NotAfter // a leaf cannot outlive its issuer
	}
	if !notAfter.After(now) {
		return nil, time.Time{}, fmt.Errorf("certs: mint leaf for %s: CA %s expired on %s",
			h.key, m.ca.certPath, caCert.NotAfter.UTC().Format(time.DateOnly))
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("certs: mint leaf for %s: %w", h.key, err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"siphon"}},
		NotBefore:             now.Add(-leafBackdate),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		AuthorityKeyId:        caCert.SubjectKeyId,
	}
	// Clients match the SAN; the CN is for people reading the certificate,
	// and X.509 caps it at 64 characters.
	if len(h.key) <= 64 {
		tmpl.Subject.CommonName = h.key
	}
	if h.isIP() {
		tmpl.IPAddresses = []net.IP{h.ip.AsSlice()}
	} else {
		tmpl.DNSNames = []string{h.key}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &m.key.PublicKey, m.ca.key)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("certs: mint leaf for %s: %w", h.key, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("certs: mint leaf for %s: parse: %w", h.key, err)
	}
	m.minted.Add(1)
	renewAt := notAfter.Add(-min(renewMargin, notAfter.Sub(now)/2))
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: m.key, Leaf: leaf}, renewAt, nil
}

// GetCertificate returns a tls.Config.GetCertificate callback that serves the
// leaf for the client's SNI name, or for fallbackHost when the client sent
// none (IP literals never travel in SNI, and some clients omit it). The proxy
// passes the CONNECT target as fallbackHost. The callback runs during each
// handshake and blocks only while a leaf it needs is being minted.
func (m *Minter) GetCertificate(fallbackHost string) func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
		host := hello.ServerName
		if host == "" {
			host = fallbackHost
		}
		if host == "" {
			return nil, errors.New("certs: client sent no server name and there is no fallback host")
		}
		return m.Leaf(host)
	}
}

// Minted returns how many leaves m has signed: each cache miss adds one,
// each hit none.
func (m *Minter) Minted() uint64 { return m.minted.Load() }

// Cached returns how many leaves m holds in its cache.
func (m *Minter) Cached() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cache.len()
}

// CA returns the CA that signs m's leaves.
func (m *Minter) CA() *CA { return m.ca }

// lru is a bounded cache of leaves, evicting the least recently used. It is
// not safe for concurrent use: Minter guards it with its mutex.
type lru struct {
	size  int
	order *list.List               // of *cacheEntry, most recently used first
	items map[string]*list.Element // by host key
}

// cacheEntry is one cached leaf.
type cacheEntry struct {
	key     string
	cert    *tls.Certificate
	renewAt time.Time // from then on, get treats the leaf as missing
}

// newLRU returns an empty cache of at most size leaves; size must be positive.
func newLRU(size int) *lru {
	return &lru{size: size, order: list.New(), items: make(map[string]*list.Element)}
}

// get returns the leaf cached for key and marks it most recently used. It
// returns nil when there is none or when the leaf is due for renewal at now;
// a leaf due for renewal stays cached until add replaces it.
func (c *lru) get(key string, now time.Time) *tls.Certificate {
	el, ok := c.items[key]
	if !ok {
		return nil
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.renewAt) {
		return nil
	}
	c.order.MoveToFront(el)
	return e.cert
}

// add caches cert for key as the most recently used leaf, replacing any leaf
// cached for key, and evicts the least recently used leaves beyond the size.
func (c *lru) add(key string, cert *tls.Certificate, renewAt time.Time) {
	if el, ok := c.items[key]; ok {
		e := el.Value.(*cacheEntry)
		e.cert, e.renewAt = cert, renewAt
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(&cacheEntry{key: key, cert: cert, renewAt: renewAt})
	for c.order.Len() > c.size {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.items, oldest.Value.(*cacheEntry).key)
	}
}

// len returns the number of cached leaves.
func (c *lru) len() int { return c.order.Len() }
