package prompt

import (
	"os"
	"path/filepath"
	"strings"
)

// ExpandHome reads a path typed in an input: surrounding space trimmed
// and a leading ~/ turned into the home directory.
func ExpandHome(p string) string {
	p = strings.TrimSpace(p)
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}
