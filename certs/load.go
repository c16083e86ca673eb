package certs

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"time"
)

// Load returns the CA kept in dir, checked as LoadOrCreate checks it, and
// never creates one: for tools that inspect siphon's setup (siphon doctor)
// and must not change it. When dir holds neither file the error wraps
// fs.ErrNotExist.
func Load(dir string) (*CA, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("CA directory %s: %w", dir, err)
	}
	certPath := filepath.Join(abs, CertFile)
	keyPath := filepath.Join(abs, KeyFile)
	haveCert, err := exists(certPath)
	if err != nil {
		return nil, fmt.Errorf("load CA %s: %w", certPath, err)
	}
	haveKey, err := exists(keyPath)
	if err != nil {
		return nil, fmt.Errorf("load CA key %s: %w", keyPath, err)
	}
	if !haveCert && !haveKey {
		return nil, fmt.Errorf("load CA %s: %w", certPath, fs.ErrNotExist)
	}
	if !haveCert || !haveKey {
		// LoadOrCreate words these cases, and creates nothing for them.
		return LoadOrCreate(abs)
	}
	return load(certPath, keyPath, time.Now())
}
