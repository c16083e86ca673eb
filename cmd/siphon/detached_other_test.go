//go:build !unix

package main

import "testing"

// runSiphonDetached is runSiphon: without Unix sessions there is no
// controlling terminal to leave. detachedLimit is not enforced here.
func runSiphonDetached(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runSiphon(t, args...)
}
