package testutil

import (
	"os"
	"os/exec"
	"testing"
)

// NeedCommand returns the path of the program name, looked up on PATH, for
// a test that runs it. When it is missing the test stops: it fails when
// the environment variable CI is "true", since CI must run every test and
// .ci/run installs what they need, and it is skipped otherwise, so that
// go test passes on a machine with only Go and curl.
func NeedCommand(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("this test needs %s, which is not on PATH (%v); .ci/run installs it", name, err)
	} else {
		t.Skipf("this test needs %s, which is not on PATH (%v); with CI=true this is a failure", name, err)
	}
	return ""
}
