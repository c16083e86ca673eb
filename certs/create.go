package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const (
	// caBackdate moves the CA's NotBefore into the past, for devices whose
	// clocks run behind.
	caBackdate = 48 * time.Hour
	// caYears is how long a new CA is valid: long enough that users install
	// it once, since replacing it means reinstalling it on every device.
	caYears = 10
)

// create makes a new ECDSA P-256 CA valid from now, writes it to certPath and
// keyPath, and returns it.
func create(certPath, keyPath string, now time.Time) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("create CA: generate key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, fmt.Errorf("create CA: %w", err)
	}
	skid, err := subjectKeyID(key.Public())
	if err != nil {
		return nil, fmt.Errorf("create CA: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: caCommonName(), Organization: []string{"siphon"}},
		NotBefore:             now.Add(-caBackdate),
		NotAfter:              now.AddDate(caYears, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true, // siphon signs leaves only, never intermediates
		SubjectKeyId:          skid,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("create CA: sign certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("create CA: parse certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("create CA: encode key: %w", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})

	// Key first, then certificate: a crash in between leaves a key without a
	// certificate, which LoadOrCreate reports instead of pairing a certificate
	// that users may have installed with a key that does not match it.
	if err := writeFileAtomic(keyPath, keyPEM, 0o600); err != nil {
		return nil, fmt.Errorf("create CA key %s: %w", keyPath, err)
	}
	if err := writeFileAtomic(certPath, certPEM, 0o644); err != nil {
		// The key was written a moment ago and nothing can have trusted it yet.
		return nil, errors.Join(fmt.Errorf("create CA %s: %w", certPath, err), os.Remove(keyPath))
	}
	return &CA{cert: cert, key: key, certPath: certPath}, nil
}

// caCommonName returns a CN that tells this CA apart from other siphon CAs in
// a trust store listing: the machine's short host name and a random suffix.
func caCommonName() string {
	var b strings.Builder
	b.WriteString("siphon CA ")
	if h, err := os.Hostname(); err == nil {
		h, _, _ = strings.Cut(h, ".")
		// Keep a CN well inside its 64-character limit, and printable.
		h = strings.Map(func(r rune) rune {
			switch {
			case r == '-', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
				return r
			}
			return -1
		}, h)
		if h != "" {
			b.WriteString(h[:min(len(h), 32)])
			b.WriteByte(' ')
		}
	}
	b.WriteString(rand.Text()[:8])
	return b.String()
}

// randomSerial returns a random positive serial number of at most 128 bits.
func randomSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 128)
	limit.Sub(limit, big.NewInt(1))
	n, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return nil, fmt.Errorf("generate serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil // RFC 5280 wants it positive, so never zero
}

// subjectKeyID returns the first 160 bits of the SHA-256 of the
// subjectPublicKey bit string (RFC 7093, section 2, method 1).
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("subject key ID: %w", err)
	}
	var info struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(spki, &info); err != nil {
		return nil, fmt.Errorf("subject key ID: %w", err)
	}
	sum := sha256.Sum256(info.PublicKey.Bytes)
	return sum[:20], nil
}

// writeFileAtomic writes data to path with the given mode so that readers see
// either the old file or the whole new one. The temporary file is created
// with mode 0600, so a key is never readable by others, even for a moment.
func writeFileAtomic(path string, data []byte, mode os.FileMode) (err error) {
	dir, base := filepath.Split(path)
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// Chmod rather than relying on the umask, so the modes are exactly those
	// documented whatever the user's umask is.
	if err := f.Chmod(mode); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable where the platform allows it. It is
// best effort: some systems and file systems cannot sync a directory.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
