// Package certstest gives tests a throwaway siphon CA and leaf minter. It
// is apart from testutil because it imports certs, whose own tests are in
// package certs and so cannot use it: they keep their own helpers.
package certstest

import (
	"testing"

	"github.com/siphonproxy/siphon/certs"
)

// NewMinter returns a Minter that caches up to cacheSize leaves
// (certs.DefaultCacheSize if cacheSize <= 0), signed by a new CA kept in a
// temporary directory that is removed when the test ends. Clients trust
// its leaves through m.CA().Pool().
func NewMinter(tb testing.TB, cacheSize int) *certs.Minter {
	tb.Helper()
	ca, err := certs.LoadOrCreate(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	m, err := certs.NewMinter(ca, cacheSize)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}
