package flowview

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"net/http"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/protobuf/proto"

	"github.com/siphonproxy/siphon/grpcmsg"
	"github.com/siphonproxy/siphon/internal/testutil/grpctest"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
)

// frame is one gRPC length-prefixed message, compressed with gzip when z.
func frame(t *testing.T, m proto.Message, z bool) []byte {
	t.Helper()
	payload, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var flag byte
	if z {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(payload)
		zw.Close()
		payload, flag = b.Bytes(), 1
	}
	out := binary.BigEndian.AppendUint32([]byte{flag}, uint32(len(payload)))
	return append(out, payload...)
}

// testTypes are the types of grpc-go's interop TestService, as --proto
// would load them.
func testTypes(t *testing.T) *grpcmsg.Types {
	t.Helper()
	types, err := grpcmsg.NewTypes(grpctest.DescriptorSet(false))
	if err != nil {
		t.Fatal(err)
	}
	return types
}

// streamCall is a finished server-streaming call that failed with
// NOT_FOUND after two messages, the second gzip-compressed.
func streamCall(t *testing.T) *session.Flow {
	req := frame(t, &testpb.StreamingOutputCallRequest{
		ResponseParameters: []*testpb.ResponseParameters{{Size: 3}, {Size: 5}}}, false)
	res := append(frame(t, &testpb.StreamingOutputCallResponse{Payload: &testpb.Payload{Body: []byte("abc")}}, false),
		frame(t, &testpb.StreamingOutputCallResponse{Payload: &testpb.Payload{Body: []byte("hello")}}, true)...)
	return &session.Flow{ID: "g", Seq: 7, State: session.Done,
		Request: &session.Request{Method: "POST", URL: "https://api.test/grpc.testing.TestService/StreamingOutputCall", Proto: "HTTP/2.0",
			Header: http.Header{"Content-Type": {"application/grpc"}, "Grpc-Accept-Encoding": {"gzip"}},
			Body:   session.Body{Data: req, Size: int64(len(req))}},
		Response: &session.Response{Status: 200, Reason: "OK", Proto: "HTTP/2.0",
			Header:  http.Header{"Content-Type": {"application/grpc"}, "Grpc-Encoding": {"gzip"}},
			Body:    session.Body{Data: res, Size: int64(len(res))},
			Trailer: http.Header{"Grpc-Status": {"5"}, "Grpc-Message": {"no%20such%20user"}, "X-Trace": {"t-1"}}}}
}

// openFlow shows f in a new view and runs its render commands as the
// program would, each off the event loop; it returns the view and what
// the gRPC tab showed before the renders arrived.
func openFlow(t *testing.T, f *session.Flow, types *grpcmsg.Types) (*Model, []string) {
	t.Helper()
	keys := keymap.Default()
	v := New(quietHost{}, func(string) (*session.Flow, error) { return f, nil }, keys, style.NewStyles(style.DefaultTheme()), time.UTC)
	v.SetProtoTypes(types)
	v.SetSize(100, 40)
	v.Open(f.ID)
	cmd := v.Update(v.loadCmd()())
	v.SetTab(TabGRPC)
	before := plain(v.Pager().Lines())
	deliver(v, cmd)
	return v, before
}

// deliver runs cmd and hands the renders it yields to v; the spinner's
// ticks are left out.
func deliver(v *Model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			deliver(v, c)
		}
	case bodyRenderedMsg:
		v.Update(msg)
	}
}

func plain(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = ansi.Strip(l)
	}
	return out
}

func has(lines []string, want string) bool {
	return strings.Contains(strings.Join(lines, "\n"), want)
}

// The gRPC tab of a call shows its method, its status by name with the
// message, the framing, and each message of each side in order, decoded
// without a schema; it is rendered by a command, not on the event loop.
func TestGRPCTabWithoutSchema(t *testing.T) {
	v, before := openFlow(t, streamCall(t), nil)
	if len(before) != 1 || !strings.HasSuffix(before[0], "…") {
		t.Errorf("before the render arrived, the tab showed %q", before)
	}
	lines := plain(v.Pager().Lines())
	for _, want := range []string{
		"method   grpc.testing.TestService/StreamingOutputCall",
		"status   NOT_FOUND (5): no such user",
		"framing  grpc · proto · gzip",
		"request · 1 message",
		"# message 1:",
		"response · 2 messages",
		"# message 2: 9 bytes (gzip, ",
		`  2: "hello"`, // payload { body: "hello" }
		`  2: "abc"`,
	} {
		if !has(lines, want) {
			t.Errorf("no %q in the gRPC tab:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	if i, j := strings.Index(strings.Join(lines, "\n"), `"abc"`), strings.Index(strings.Join(lines, "\n"), `"hello"`); i > j {
		t.Errorf("the messages are out of order:\n%s", strings.Join(lines, "\n"))
	}
	head := strings.Split(ansi.Strip(v.View()), "\n")
	if !strings.Contains(head[1], "[gRPC]") || !strings.HasSuffix(strings.TrimSpace(head[0]), "StreamingOutputCall 200 NOT_FOUND") {
		t.Errorf("title %q, tab bar %q", head[0], head[1])
	}
}

// With the service's types (--proto), the messages are JSON with field
// names; view mode raw shows them by field number again.
func TestGRPCTabWithTypes(t *testing.T) {
	v, _ := openFlow(t, streamCall(t), testTypes(t))
	lines := plain(v.Pager().Lines())
	for _, want := range []string{"grpc.testing.StreamingOutputCallRequest", `"response_parameters"`, `"body": "aGVsbG8="`} {
		if !has(lines, want) {
			t.Errorf("no %q in the gRPC tab:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	deliver(v, v.Update(v.keys.KeyMsg(keymap.ScopeFlow, keymap.ActViewMode)))
	if lines := plain(v.Pager().Lines()); has(lines, `"response_parameters"`) || !has(lines, `  2: "hello"`) {
		t.Errorf("view raw shows:\n%s", strings.Join(lines, "\n"))
	}
}

// A call cut at the capture limit says which message is cut; a call
// still open says so rather than inventing a status.
func TestGRPCTabCutAndOpen(t *testing.T) {
	f := streamCall(t)
	f.State = session.Pending
	f.Response.Trailer = nil
	f.Response.Body.Truncated = true
	f.Response.Body.Size *= 10
	f.Response.Body.Data = f.Response.Body.Data[:len(f.Response.Body.Data)-3]
	v, _ := openFlow(t, f, nil)
	lines := plain(v.Pager().Lines())
	for _, want := range []string{"status   the call has not ended", "message 2 cut short", "capture limit"} {
		if !has(lines, want) {
			t.Errorf("no %q in the gRPC tab:\n%s", want, strings.Join(lines, "\n"))
		}
	}
}

// Only gRPC calls have the tab; others keep their three.
func TestGRPCTabOnlyForGRPC(t *testing.T) {
	f := streamCall(t)
	f.Request.Header.Set("Content-Type", "application/json")
	f.Response.Header.Set("Content-Type", "application/json")
	v, _ := openFlow(t, f, nil)
	if bar := ansi.Strip(strings.Split(v.View(), "\n")[1]); strings.Contains(bar, "gRPC") {
		t.Errorf("a JSON flow's tab bar: %q", bar)
	}
	if v.busy() {
		t.Error("a JSON flow waits for a gRPC render")
	}
	v.SetTab(TabResponse)
	if lines := plain(v.Pager().Lines()); has(lines, "gRPC tab") {
		t.Errorf("a JSON flow's Response tab points to a gRPC tab:\n%s", strings.Join(lines, "\n"))
	}
}

// The Response tab points to the gRPC tab and lists trailers after the
// body, and Details names both sides' protocols when one is HTTP/2.
func TestTrailersAndProtocols(t *testing.T) {
	v, _ := openFlow(t, streamCall(t), nil)
	v.SetTab(TabResponse)
	lines := plain(v.Pager().Lines())
	body := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "body ") {
			body = i
		}
	}
	text := strings.Join(lines[max(body, 0):], "\n")
	if body < 0 || !strings.Contains(text, "trailers\nGrpc-Message: no%20such%20user\nGrpc-Status: 5\nX-Trace: t-1") ||
		!has(lines, "gRPC messages: the gRPC tab decodes them\nbody ") {
		t.Errorf("Response tab:\n%s", strings.Join(lines, "\n"))
	}
	v.SetTab(TabDetails)
	if lines := plain(v.Pager().Lines()); !has(lines, "protocol      client HTTP/2.0 · origin HTTP/2.0") {
		t.Errorf("Details:\n%s", strings.Join(lines, "\n"))
	}

	f := streamCall(t)
	f.Request.Proto, f.Response.Proto, f.Response.Trailer = "HTTP/1.1", "HTTP/1.1", nil
	v, _ = openFlow(t, f, nil)
	for _, tab := range []int{TabResponse, TabDetails} {
		v.SetTab(tab)
		if lines := plain(v.Pager().Lines()); has(lines, "trailers") || has(lines, "protocol") {
			t.Errorf("an HTTP/1.1 flow without trailers, tab %s:\n%s", TabName(tab), strings.Join(lines, "\n"))
		}
	}
}

// TestGoldenGRPCTab draws the gRPC tab of a failed streaming call at
// 80×24, with and without the service's types.
func TestGoldenGRPCTab(t *testing.T) {
	for _, c := range []struct {
		name  string
		types *grpcmsg.Types
	}{{"schemaless", nil}, {"proto", testTypes(t)}} {
		t.Run(c.name, func(t *testing.T) {
			v, _ := openFlow(t, streamCall(t), c.types)
			v.SetSize(80, 22) // the root's status and hint bars take two lines
			golden.RequireEqual(t, []byte(v.View()))
		})
	}
}
