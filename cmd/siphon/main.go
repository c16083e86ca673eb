// Command siphon is an interactive debugging proxy: it captures HTTP and
// HTTPS flows into a session file and shows them (siphon dump prints them,
// one line each).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

const usage = `siphon: an interactive debugging proxy for HTTP and HTTPS

Usage:
  siphon [flags]                   run the proxy with the terminal UI
  siphon --readonly FILE           browse a session or HAR file in the UI, without a proxy
  siphon dump [flags]              run the proxy headless, one line per flow
  siphon dump --read FILE          print the flows of a session file (--json: one JSON object per line)
  siphon export --format curl|httpie|raw|har [--filter EXPR] [-o FILE] SESSION
  siphon import FILE.har [--session OUT.db]
  siphon replay SESSION [--filter EXPR] [--repeat N] [--concurrency C]
  siphon mcp [--session FILE]      an MCP server for coding agents on stdio (newest session by default);
                                   siphon --mcp 127.0.0.1:8765 serves the running proxy over HTTP
  siphon ca path                   print the CA certificate's path
  siphon ca export --format pem|der|android|mobileconfig [-o FILE|DIR]
  siphon doctor [--listen ADDR]    check the CA, its trust, proxy variables, port and LAN
  siphon version

Run "siphon dump -h" for the proxy's flags; siphon takes the same.
`

func main() {
	// SIGHUP is the terminal closing (the window, an ssh connection): a
	// clean end as SIGINT and SIGTERM are, in-flight exchanges finished,
	// the session saved and its lock removed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	startGCPolicy(ctx, os.Getenv)
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command line and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var err error
	switch {
	case len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help"):
		fmt.Fprint(stdout, usage)
		return 0
	case len(args) == 0 || strings.HasPrefix(args[0], "-"):
		err = runTUI(ctx, args, stdout)
	case args[0] == "dump":
		err = runDump(ctx, args[1:], stdout, stderr)
	case args[0] == "doctor":
		err = runDoctor(ctx, args[1:], stdout)
	case args[0] == "ca":
		err = runCA(args[1:], stdout)
	case args[0] == "export":
		err = runExport(ctx, args[1:], stdout, stderr)
	case args[0] == "import":
		err = runImport(args[1:], os.Stdin, stderr)
	case args[0] == "replay":
		err = runReplay(ctx, args[1:], stdout, stderr)
	case args[0] == "mcp":
		err = runMCP(ctx, args[1:], stderr)
	case args[0] == "version":
		fmt.Fprintln(stdout, versionString())
	default:
		err = usagef("unknown command %q (see siphon help)", args[0])
	}
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "siphon: "+err.Error())
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}
