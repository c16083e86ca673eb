package mcp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/siphonproxy/siphon/filter"
	"github.com/siphonproxy/siphon/session"
)

// Config configures a Server.
type Config struct {
	// Source is where flows are read. Required.
	Source Source
	// NoRedact sends credentials and secrets as they were captured
	// (--mcp-no-redact); by default they are replaced.
	NoRedact bool
	// Version is siphon's version, reported to clients.
	Version string
	// Live, when set, is the running proxy: the server then offers the
	// action tools (which refuse to act unless Live.AllowActions) and
	// resource-updated notifications.
	Live *Live
	// Logger receives the SDK's and the server's diagnostics; nil
	// discards them.
	Logger *slog.Logger
	// Busy, when set, says whether the proxy is capturing now: the live
	// server (Handler) then keeps MCP requests to a small share of the
	// time, so that agents reading never slow the capture (see pacer).
	Busy func() bool
}

// Server is siphon's MCP server. It is safe for concurrent use: each tool
// call reads the session on its own.
type Server struct {
	cfg Config
	srv *sdk.Server
}

// New returns a Server with every tool and resource registered.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg}
	opts := &sdk.ServerOptions{
		Instructions: instructions,
		Logger:       cfg.Logger,
	}
	if cfg.Live != nil {
		opts.SubscribeHandler = func(context.Context, *sdk.SubscribeRequest) error { return nil }
		opts.UnsubscribeHandler = func(context.Context, *sdk.UnsubscribeRequest) error { return nil }
	}
	s.srv = sdk.NewServer(&sdk.Implementation{Name: "siphon", Version: cfg.Version}, opts)
	s.addReadTools()
	s.addResources()
	if cfg.Live != nil {
		s.addActionTools()
	}
	return s
}

const instructions = `siphon is an HTTP(S) debugging proxy. These tools read the flows (request/response exchanges) it captured.
Start with session_info or list_flows (filter e.g. "~c >=400 | ~e" for failures), then get_flow and get_body with a row's id.
Secrets (Authorization, Cookie, Set-Cookie, JSON fields named like password/token/secret/api_key) are redacted unless siphon runs with --mcp-no-redact.`

// Run serves one client over t (stdio for siphon mcp) until it hangs up
// or ctx is done.
func (s *Server) Run(ctx context.Context, t sdk.Transport) error {
	return s.srv.Run(ctx, t)
}

// SDK returns the underlying go-sdk server.
func (s *Server) SDK() *sdk.Server { return s.srv }

// acquire returns the store to read; release it when done.
func (s *Server) acquire() (*session.Store, func(), error) {
	st, release, err := s.cfg.Source.Acquire()
	if err != nil {
		return nil, nil, fmt.Errorf("read the session: %w", err)
	}
	return st, release, nil
}

// view is what a tool shows of a flow: redacted unless configured not to.
func (s *Server) view(f *session.Flow) *session.Flow {
	if s.cfg.NoRedact {
		return f
	}
	return redactFlow(f)
}

// viewMessages is view for a WebSocket flow's messages.
func (s *Server) viewMessages(msgs []session.Message) []session.Message {
	if s.cfg.NoRedact || len(msgs) == 0 {
		return msgs
	}
	return redactMessages(msgs)
}

// url is a URL as a tool shows it.
func (s *Server) url(u string) string {
	if s.cfg.NoRedact {
		return u
	}
	return redactURL(u)
}

// getFlow loads a flow with its bodies, or says how to find a good id.
func getFlow(st *session.Store, id string) (*session.Flow, error) {
	if id == "" {
		return nil, errors.New(`missing flow id: take the "id" of a row from list_flows or search_flows`)
	}
	f, err := st.Get(id)
	if errors.Is(err, session.ErrNotFound) {
		return nil, fmt.Errorf(`unknown flow id %q: ids are the "id" field of list_flows rows (not their seq); the session holds %d flows`, id, st.Len())
	}
	if err != nil {
		return nil, fmt.Errorf("read flow %s: %w", id, err)
	}
	return f, nil
}

// parseFilter parses a filter expression, with an error an agent can act
// on: where the problem is and what the language looks like.
func parseFilter(expr string) (*filter.Filter, error) {
	f, err := filter.Parse(expr)
	if err == nil {
		return f, nil
	}
	var se *filter.SyntaxError
	if errors.As(err, &se) {
		return nil, fmt.Errorf("bad filter %q at byte offset %d: %s (%s)", expr, se.Offset, se.Msg, filterHint)
	}
	return nil, fmt.Errorf("bad filter %q: %v (%s)", expr, err, filterHint)
}

const filterHint = `filters look like "~d example\.com & ~m POST", "~c >=400 | ~e", "!~a ~dur >500ms", "~hq authorization", "~bs error"; a bare word matches the URL`

const filterDoc = `siphon's filter language (mitmproxy's): ~d host regex, ~u URL regex (a bare word too), ~m method, ~c status (or ~c >=400), ~e failed, ~h/~hq/~hs header regex (any/request/response), ~b/~bq/~bs body regex, ~t/~tq/~ts content type, ~dur >500ms, ~size >1MB, ~marked, ~comment regex, ~websocket, ~http2; combine with !, &, |, ( ); juxtaposition means AND. Empty means every flow.`

// schemaFor infers T's JSON schema and lets tweak refine it (enums,
// bounds), which struct tags cannot express.
func schemaFor[T any](tweak func(props map[string]*jsonschema.Schema)) *jsonschema.Schema {
	sc, err := jsonschema.ForType(reflect.TypeFor[T](), &jsonschema.ForOptions{})
	if err != nil {
		panic(fmt.Sprintf("schema of %v: %v", reflect.TypeFor[T](), err)) // a programming error, caught by every test
	}
	if tweak != nil {
		tweak(sc.Properties)
	}
	return sc
}

func ptr[T any](v T) *T { return &v }
