// Package certs provides siphon's certificate authority: it loads the CA kept
// in the config directory or creates one on first run, mints leaf certificates
// for intercepted hosts (cached, and minted once per host however many
// handshakes ask at the same moment), and exports the CA certificate, never
// its key, for installing on clients and devices.
package certs

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// File names of the CA inside its directory.
const (
	CertFile = "ca.pem"     // the CA certificate, PEM, mode 0644
	KeyFile  = "ca-key.pem" // the CA private key, PEM (PKCS #8), mode 0600
)

// CA is a certificate authority: a CA certificate and its private key. A CA
// is immutable and safe for concurrent use. Its key never leaves the package:
// the export methods return the certificate only.
type CA struct {
	cert     *x509.Certificate
	key      crypto.Signer
	certPath string
}

// LoadOrCreate returns the CA kept in dir. When dir holds both CertFile and
// KeyFile they are loaded and checked (the key must match the certificate,
// the certificate must be a CA and not expired); when it holds neither, a new
// ECDSA P-256 CA is created and written there, creating dir with mode 0700 if
// needed. Files that are unreadable, corrupt or mismatched, or only one of the
// two files being present, are an error naming the file, and nothing on disk
// is changed: a user who trusted the old CA must not have it silently replaced.
func LoadOrCreate(dir string) (*CA, error) {
	f, err := probeFiles(dir)
	if err != nil {
		return nil, err
	}
	if f.haveCert || f.haveKey {
		return f.load()
	}
	if err := os.MkdirAll(f.dir, 0o700); err != nil {
		return nil, fmt.Errorf("create CA directory %s: %w", f.dir, err)
	}
	return create(f.certPath, f.keyPath, time.Now())
}

// exists reports whether path exists; errors other than its absence (such
// as a directory we may not search) are returned.
func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// load reads and checks the CA at certPath and keyPath as of now.
func load(certPath, keyPath string, now time.Time) (*CA, error) {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return nil, fmt.Errorf("load CA %s: %w", certPath, err)
	}
	cert, err := parseCertPEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("load CA %s: %w", certPath, err)
	}
	if err := checkCA(cert, now); err != nil {
		return nil, fmt.Errorf("load CA %s: %w", certPath, err)
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("load CA key %s: %w", keyPath, err)
	}
	key, err := parseKeyPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("load CA key %s: %w", keyPath, err)
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("load CA key %s: key does not match certificate %s", keyPath, certPath)
	}
	return &CA{cert: cert, key: key, certPath: certPath}, nil
}

// checkCA reports why cert cannot serve as siphon's CA at time now, if it cannot.
func checkCA(cert *x509.Certificate, now time.Time) error {
	if !cert.BasicConstraintsValid || !cert.IsCA {
		return errors.New("certificate is not a CA (basic constraints lack CA:TRUE)")
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return errors.New("certificate may not sign certificates (key usage lacks keyCertSign)")
	}
	if now.After(cert.NotAfter) {
		return fmt.Errorf("certificate expired on %s; move both CA files away to create a new CA",
			cert.NotAfter.UTC().Format(time.DateOnly))
	}
	return nil
}

// parseCertPEM returns the first CERTIFICATE block in data, parsed. Other
// blocks are skipped, so a file that bundles the key with the certificate
// still loads (and the key is not exported with it).
func parseCertPEM(data []byte) (*x509.Certificate, error) {
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate: %w", err)
		}
		return cert, nil
	}
	return nil, errors.New("no PEM CERTIFICATE block found")
}

// parseKeyPEM returns the first private key in data: PKCS #8 ("PRIVATE KEY"),
// SEC 1 ("EC PRIVATE KEY") or PKCS #1 ("RSA PRIVATE KEY"), so CAs made with
// openssl or other proxies load too.
func parseKeyPEM(data []byte) (crypto.Signer, error) {
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		var key any
		var err error
		switch block.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("encrypted private keys are not supported; decrypt it with openssl pkey")
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", block.Type, err)
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("parse %s: %T cannot sign", block.Type, key)
		}
		return signer, nil
	}
	return nil, errors.New("no PEM private key block found")
}

// Certificate returns the CA certificate. Callers must not modify it.
func (c *CA) Certificate() *x509.Certificate { return c.cert }

// CertPath returns the absolute path of the CA certificate file.
func (c *CA) CertPath() string { return c.certPath }

// PEM returns the CA certificate alone as a PEM "CERTIFICATE" block, for
// clients and for installing on desktops.
func (c *CA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw})
}

// DER returns the CA certificate in DER form, the content of the .cer or
// .crt file that Android and iOS install. The slice is the caller's.
func (c *CA) DER() []byte { return bytes.Clone(c.cert.Raw) }

// Pool returns a new certificate pool holding only the CA, for clients (and
// tests) that should trust siphon and nothing else.
func (c *CA) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(c.cert)
	return pool
}
