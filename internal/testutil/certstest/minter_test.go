package certstest

import (
	"crypto/x509"
	"testing"
)

// Every call has a CA of its own, and a leaf verifies against it only.
func TestNewMinter(t *testing.T) {
	a, b := NewMinter(t, 0), NewMinter(t, 8)
	leaf, err := a.Leaf("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	opts := x509.VerifyOptions{Roots: a.CA().Pool()}
	if _, err := leaf.Leaf.Verify(opts); err != nil {
		t.Errorf("a leaf does not verify against its minter's CA: %v", err)
	}
	opts.Roots = b.CA().Pool()
	if _, err := leaf.Leaf.Verify(opts); err == nil {
		t.Error("a leaf verifies against another test's CA: the CAs are shared")
	}
}
