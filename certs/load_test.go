package certs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadNeverCreates(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load of an empty directory: %v, want fs.ErrNotExist", err)
	}
	if got := snapshot(t, dir); len(got) != 0 {
		t.Fatalf("Load created %v", slicesKeys(got))
	}
	ca := newTestCA(t)
	dir = filepath.Dir(ca.CertPath())
	got, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !got.Certificate().Equal(ca.Certificate()) {
		t.Error("Load returned another CA")
	}
	if err := os.Remove(filepath.Join(dir, KeyFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "key") {
		t.Errorf("Load without the key: %v, want an error naming the key", err)
	}
	if got := snapshot(t, dir); len(got) != 1 {
		t.Errorf("Load changed the directory: %v", slicesKeys(got))
	}
}
