package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// homeDir is where siphon keeps its CA, sessions and log: --home, else
// $SIPHON_HOME, else ~/.siphon.
func homeDir(flagValue string) (string, error) {
	if flagValue != "" {
		return filepath.Abs(flagValue)
	}
	if env := os.Getenv("SIPHON_HOME"); env != "" {
		return filepath.Abs(env)
	}
	h, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find home directory (set --home or SIPHON_HOME): %w", err)
	}
	return filepath.Join(h, ".siphon"), nil
}

// newSessionPath names a fresh session file under <home>/sessions.
func newSessionPath(home string, now time.Time) (string, error) {
	dir := filepath.Join(home, "sessions")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create sessions directory: %w", err)
	}
	base := now.Format("2006-01-02T15-04-05")
	for i := 0; i < 100; i++ {
		name := base + ".db"
		if i > 0 {
			name = fmt.Sprintf("%s-%d.db", base, i)
		}
		p := filepath.Join(dir, name)
		if _, err := os.Lstat(p); os.IsNotExist(err) {
			return p, nil
		}
	}
	return "", fmt.Errorf("no free session file name in %s", dir)
}
