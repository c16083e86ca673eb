package filter

import (
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
)

// edits that tests apply to baseFlow.
var (
	noResponse = func(f *session.Flow) { f.Response = nil }
	noRequest  = func(f *session.Flow) { f.Request = nil }
	respType   = func(ct string) func(*session.Flow) {
		return func(f *session.Flow) { f.Response.Header.Set("Content-Type", ct) }
	}
	respBody = func(encoding string, data []byte) func(*session.Flow) {
		return func(f *session.Flow) {
			f.Response.Header.Set("Content-Encoding", encoding)
			f.Response.Body = session.Body{Data: data, Size: int64(len(data))}
		}
	}
)

func TestOperators(t *testing.T) {
	gz := testutil.Gzip("hello from a gzip world")
	tests := []struct {
		expr string
		edit func(*session.Flow) // applied to baseFlow; nil leaves it
		want bool
	}{
		{"~all", nil, true},
		{"~all", func(f *session.Flow) { *f = session.Flow{} }, true},

		{"~a", nil, false},
		{"~a", respType("text/css"), true},
		{"~a", respType("image/png"), true},
		{"~a", respType("font/woff2"), true},
		{"~a", respType("application/font-woff"), true},
		{"~a", respType("Application/X-JavaScript; charset=utf-8"), true},
		{"~a", respType("text/javascript"), true},
		{"~a", respType("text/html"), false},
		{"~a", func(f *session.Flow) { f.Request.Header.Set("Content-Type", "image/png") }, false},
		{"~a", noResponse, false},

		{"~e", nil, false},
		{"~e", func(f *session.Flow) { f.Err = &session.Error{Phase: session.PhaseDial, Msg: "refused"} }, true},

		{"~http", nil, true},
		{"~http", func(f *session.Flow) { f.Kind = session.WebSocket }, true},
		{"~http", func(f *session.Flow) { f.Kind = session.Tunnel }, false},
		{"~websocket", nil, false},
		{"~websocket", func(f *session.Flow) { f.Kind = session.WebSocket }, true},
		{"~http2", nil, false},
		{"~http2", func(f *session.Flow) { f.Request.Proto = "HTTP/2.0" }, true},
		{"~http2", func(f *session.Flow) { f.Response.Proto = "HTTP/2.0" }, true},
		{"~http2", func(f *session.Flow) { f.Request.Proto = "HTTP/2.0"; f.Response = nil }, true},
		{"~http2 & !~http2", func(f *session.Flow) { f.Request.Proto = "HTTP/2.0" }, false},
		{"~http2", func(f *session.Flow) { f.Request.Proto = "HTTP/1.1"; f.Response = nil }, false},
		{"~grpc", nil, false},
		{"~grpc", func(f *session.Flow) { f.Request.Header.Set("Content-Type", "application/grpc") }, true},

		{"~q", nil, false},
		{"~q", noResponse, true},
		{"~q", func(f *session.Flow) { f.Kind, f.Response = session.Tunnel, nil }, false},
		{"~s", nil, true},
		{"~s", noResponse, false},

		{"~marked", nil, false},
		{"~marked", func(f *session.Flow) { f.Marked = true }, true},
		{"~replay", nil, false},
		{"~replay", func(f *session.Flow) { f.Source = session.Replay }, true},

		{"~u /v1/users", nil, true},
		{`~u \?id=7$`, nil, true},
		{"~u USERS", nil, true},
		{"~u /v2/", nil, false},
		{"~u users", noRequest, false},
		{"users", nil, true},
		{`"v1/users?"`, nil, true},
		{"/v2", nil, false},

		{"~d example", nil, true},
		{`~d ^api\.example\.com$`, nil, true},
		{"~d 8443", nil, false},
		{"~d other", nil, false},
		{`~d ^host\.test$`, func(f *session.Flow) { f.Request.URL = "http://user:pw@host.test:80/" }, true},
		{"~d user", func(f *session.Flow) { f.Request.URL = "http://user:pw@host.test:80/" }, false},
		{"~d ^::1$", func(f *session.Flow) { f.Request.URL = "http://[::1]:8080/x" }, true},

		{"~m POST", nil, true},
		{"~m post", nil, true},
		{"~m ^GET$", nil, false},
		{"~m GET|POST", nil, true},

		{`~h "user-agent: curl"`, nil, true},
		{"~h nginx", nil, true},
		{`~h "^server: nginx$"`, nil, true},
		{`~h "^user-agent: curl/8\.5\.0$"`, nil, true},
		{"~h x-missing", nil, false},
		{"~hq curl", nil, true},
		{"~hq nginx", nil, false},
		{"~hs nginx", nil, true},
		{"~hs curl", nil, false},
		{"~hs nginx", noResponse, false},

		{"~t json", nil, true},
		{"~t charset=utf-8", nil, true},
		{"~t xml", nil, false},
		{"~tq ^application/json$", nil, true},
		{"~tq charset", nil, false},
		{"~ts charset", nil, true},
		{"~ts ^application/json$", nil, false},
		{"~ts json", noResponse, false},

		{"~b ada", nil, true},
		{`~b '"id":42'`, nil, true},
		{"~b nothing", nil, false},
		{"~bq name", nil, true},
		{"~bq 42", nil, false},
		{"~bs 42", nil, true},
		{"~bs zzz", nil, false},
		{"~bs 42", noResponse, false},
		{`~bs "gzip world"`, respBody("gzip", gz), true},
		{`~b "gzip world"`, respBody("gzip", gz), true},
		{`~bs "not gzip"`, respBody("gzip", []byte("not gzip at all")), true},
		{`~bs "raw bytes"`, respBody("snappy", []byte("raw bytes")), true},
		{`~bs line1.line2`, respBody("", []byte("LINE1\nline2")), true},

		{`~src ^127\.0\.0\.1:`, nil, true},
		{`~src ^10\.`, nil, false},
		{`~src .`, func(f *session.Flow) { f.Client.Addr = "" }, false},
		{`~dst :8443$`, nil, true},
		{`~dst ^10\.`, nil, false},

		{"~listener ^socks5@", func(f *session.Flow) { f.Listener = "socks5@1080" }, true},
		{"~listener socks5", nil, false},

		{"~comment todo", func(f *session.Flow) { f.Comment = "TODO: check" }, true},
		{"~comment ^check", func(f *session.Flow) { f.Comment = "todo\ncheck" }, true},
		{"~comment todo", nil, false},

		{"~c 200", nil, true},
		{"~c 404", nil, false},
		{"~c >=400", nil, false},
		{"~c <300", nil, true},
		{"~c !=200", nil, false},
		{"~c 200", noResponse, false},

		{"~dur >200ms", nil, true},
		{"~dur >250ms", nil, false},
		{"~dur >=250ms", nil, true},
		{"~dur <1s", nil, true},
		{"~dur 250", nil, true},
		{"~dur <1s", func(f *session.Flow) { f.Timings.Complete = 0 }, false},

		{"~size 22", nil, true},
		{"~size >1KB", nil, false},
		{"~size <1KiB", nil, true},
		{"~size >10", noResponse, false},
		{"~size >=3KB", func(f *session.Flow) { f.Stream = &session.StreamStats{BytesUp: 1000, BytesDown: 2000} }, true},
	}
	covered := map[string][2]bool{}
	for _, tt := range tests {
		f := baseFlow()
		if tt.edit != nil {
			tt.edit(f)
		}
		flt, err := Parse(tt.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.expr, err)
			continue
		}
		if got := flt.Match(f); got != tt.want {
			t.Errorf("Parse(%q).Match = %v, want %v", tt.expr, got, tt.want)
		}
		op := strings.Fields(tt.expr)[0]
		c := covered[op]
		c[boolIndex(tt.want)] = true
		covered[op] = c
	}
	for _, op := range Operators() {
		if c := covered[op.Name]; !c[1] || op.Name != "~all" && !c[0] {
			t.Errorf("%s: want a matching and a non-matching case, have %v", op.Name, c)
		}
	}
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestNeedsBodies(t *testing.T) {
	for expr, want := range map[string]bool{
		"":                      false,
		"~u x & ~h y":           false,
		"~b x":                  true,
		"~m GET | !~bq x":       true,
		"(~c 200 (~bs ok))":     true,
		"~d example ~size >1MB": false,
	} {
		f, err := Parse(expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", expr, err)
		}
		if got := f.NeedsBodies(); got != want {
			t.Errorf("Parse(%q).NeedsBodies() = %v, want %v", expr, got, want)
		}
	}
	for _, op := range Operators() {
		if want := strings.HasPrefix(op.Name, "~b"); op.Body != want {
			t.Errorf("%s: Body = %v, want %v", op.Name, op.Body, want)
		}
	}
}

func TestHelp(t *testing.T) {
	ops := Operators()
	help := Help()
	if len(help) <= len(ops) {
		t.Fatalf("Help has %d entries for %d operators", len(help), len(ops))
	}
	seen := map[string]bool{}
	for i, op := range ops {
		if seen[op.Name] || !strings.HasPrefix(op.Name, "~") || op.Help == "" {
			t.Errorf("operator %d: bad entry %+v", i, op)
		}
		seen[op.Name] = true
		if help[i].Usage != op.Usage() || help[i].Help != op.Help {
			t.Errorf("Help()[%d] = %+v, want %s: %s", i, help[i], op.Usage(), op.Help)
		}
		// Every operator parses with a typical argument.
		expr := op.Name + map[ArgKind]string{ArgRegex: " x", ArgStatus: " 200", ArgDuration: " >1s", ArgSize: " <1MB"}[op.Arg]
		if _, err := Parse(expr); err != nil {
			t.Errorf("Parse(%q): %v", expr, err)
		}
	}
	for _, name := range []string{"~a", "~b", "~bq", "~bs", "~c", "~d", "~dst", "~e", "~h", "~hq", "~hs",
		"~http", "~http2", "~m", "~marked", "~q", "~s", "~src", "~t", "~tq", "~ts", "~u", "~websocket", "~comment",
		"~all", "~dur", "~size"} {
		if !seen[name] {
			t.Errorf("operator %s missing", name)
		}
	}
	if got := (Operator{Name: "~dur", Arg: ArgDuration}).Usage(); got != "~dur [cmp]duration" {
		t.Errorf("Usage() = %q", got)
	}
	// Operators returns a copy.
	ops[0].Name = "~changed"
	if Operators()[0].Name == "~changed" {
		t.Error("Operators returned the table itself")
	}
}

// TestNeedsID: no operator reads a flow's ID, so a Store may hand a
// Filter snapshots without one (NeedsID false): each operator matches
// every sample flow alike with and without its ID, with an argument the
// ID would match.
func TestNeedsID(t *testing.T) {
	args := map[ArgKind]string{ArgNone: "", ArgRegex: "idf1", ArgStatus: ">=0", ArgDuration: ">=0", ArgSize: ">=0"}
	for _, op := range Operators() {
		expr := strings.TrimSpace(op.Name + " " + args[op.Arg])
		f, err := Parse(expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", expr, err)
		}
		if f.NeedsID() {
			t.Errorf("Parse(%q).NeedsID() = true", expr)
		}
		for i, fl := range sampleFlows(t) {
			fl.ID = "idf1"
			with := f.Match(fl)
			fl.ID = ""
			if without := f.Match(fl); with != without {
				t.Errorf("%q on sample flow %d: %v with its ID, %v without", expr, i, with, without)
			}
		}
	}
}
