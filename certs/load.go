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
	f, err := probeFiles(dir)
	if err != nil {
		return nil, err
	}
	if !f.haveCert && !f.haveKey {
		return nil, fmt.Errorf("load CA %s: %w", f.certPath, fs.ErrNotExist)
	}
	return f.load()
}

// caFiles are the CA's files in a directory, and which of them exist.
type caFiles struct {
	dir, certPath, keyPath string
	haveCert, haveKey      bool
}

// load loads the CA when both files exist; when only one does, the error
// says which is missing and what to do, and nothing is created.
func (f caFiles) load() (*CA, error) {
	switch {
	case f.haveCert && f.haveKey:
		return load(f.certPath, f.keyPath, time.Now())
	case f.haveCert:
		return nil, fmt.Errorf("load CA %s: its key %s is missing; restore it, or move %s away to create a new CA",
			f.certPath, f.keyPath, f.certPath)
	default:
		return nil, fmt.Errorf("load CA key %s: its certificate %s is missing; restore it, or move %s away to create a new CA",
			f.keyPath, f.certPath, f.keyPath)
	}
}

// probeFiles looks for the CA's files in dir (made absolute).
func probeFiles(dir string) (caFiles, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return caFiles{}, fmt.Errorf("CA directory %s: %w", dir, err)
	}
	f := caFiles{dir: abs, certPath: filepath.Join(abs, CertFile), keyPath: filepath.Join(abs, KeyFile)}
	if f.haveCert, err = exists(f.certPath); err != nil {
		return caFiles{}, fmt.Errorf("load CA %s: %w", f.certPath, err)
	}
	if f.haveKey, err = exists(f.keyPath); err != nil {
		return caFiles{}, fmt.Errorf("load CA key %s: %w", f.keyPath, err)
	}
	return f, nil
}
