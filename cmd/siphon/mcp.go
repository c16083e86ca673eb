package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/siphonproxy/siphon/mcp"
	"github.com/siphonproxy/siphon/session"
)

// runMCP is "siphon mcp [--session FILE] [--home DIR] [--mcp-no-redact]":
// an MCP server on standard input and output over a session file (by
// default the newest under <home>/sessions, which a running siphon may
// still be writing) or a HAR file. Nothing but the protocol goes to
// standard output; errors go to stderr.
func runMCP(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlagSet("mcp")
	home := fs.String("home", "", "siphon's home directory (default ~/.siphon or $SIPHON_HOME)")
	path := fs.String("session", "", "session file or HAR file to serve (default: the newest session under <home>/sessions)")
	noRedact := fs.Bool("mcp-no-redact", false, "send Authorization, Cookie, Set-Cookie and secret JSON fields as captured instead of [redacted …N chars]")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" {
		dir, err := homeDir(*home)
		if err != nil {
			return err
		}
		if *path, err = newestSession(filepath.Join(dir, "sessions")); err != nil {
			return err
		}
	}
	src, closeSrc, err := mcpSource(ctx, *path)
	if err != nil {
		return err
	}
	defer closeSrc()
	srv := mcp.New(mcp.Config{Source: src, NoRedact: *noRedact, Version: versionString(),
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	err = srv.Run(ctx, &sdk.StdioTransport{})
	if errors.Is(err, io.EOF) || ctx.Err() != nil {
		return nil // the client hung up, or SIGINT
	}
	return err
}

// mcpSource opens what siphon mcp serves: a session file read as another
// siphon writes it, or a HAR file imported into a temporary session.
func mcpSource(ctx context.Context, path string) (mcp.Source, func() error, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, usagef("read session: %v", err)
	}
	defer fh.Close()
	if session.LooksLikeHAR(fh) {
		if _, err := fh.Seek(0, io.SeekStart); err != nil {
			return nil, nil, usagef("read %s: %v", path, err)
		}
		store, closeStore, err := importForBrowsing(ctx, fh, path)
		if err != nil {
			return nil, nil, err
		}
		return mcp.StoreSource{Store: store}, closeStore, nil
	}
	src, err := mcp.OpenFile(path)
	if err != nil {
		return nil, nil, usagef("%v", err)
	}
	return src, src.Close, nil
}

// newestSession is the session file under dir written last: the one a
// running siphon is capturing into, or else the latest.
func newestSession(dir string) (string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*.db"))
	if err != nil {
		return "", err
	}
	var best string
	var bestTime time.Time
	for _, m := range matches {
		t := modTime(m)
		if wal := modTime(m + "-wal"); wal.After(t) {
			t = wal
		}
		if best == "" || t.After(bestTime) {
			best, bestTime = m, t
		}
	}
	if best == "" {
		return "", usagef("mcp: no session in %s: run siphon (or siphon dump) first, or pass --session FILE", dir)
	}
	return best, nil
}

func modTime(path string) time.Time {
	fi, err := os.Stat(path)
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime()
}
