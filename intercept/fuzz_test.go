package intercept

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the rules-file reader: it must never
// panic, and every mistake must come back as FILE:LINE errors.
func FuzzParse(f *testing.F) {
	f.Add([]byte(actionRules))
	f.Add([]byte(breakRules))
	f.Add([]byte(twoRules))
	f.Add([]byte("- name: a\n  match: ~all\n  mock: {status: 200\n"))
	f.Add([]byte("- &a {name: x, match: ~all, block: 403}\n- *a\n"))
	f.Add([]byte("- name: a\n  match: ~all\n  throttle: {bandwidth: 1mbit}\n"))
	// An empty directory: mock files named by the input are never found.
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := Parse(data, "f.yaml", dir)
		if err == nil {
			if _, merr := Marshal(rules); merr != nil {
				t.Fatalf("valid rules do not marshal: %v", merr)
			}
			return
		}
		if rules != nil {
			t.Fatal("rules returned with an error")
		}
		var fe *FileError
		if !errors.As(err, &fe) || fe.Line < 1 || !strings.HasPrefix(err.Error(), "f.yaml:") {
			t.Fatalf("error %q is not FILE:LINE", err)
		}
	})
}
