package mcp

import (
	"context"
	"path/filepath"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
)

// legacySubscribe is the newest protocol version whose Subscribe waits for
// the server: under 2026-07-28 Subscribe returns before the server has
// registered the subscription (a listen stream), while resources/subscribe
// is answered once it has, so a test knows when a change must be notified.
const legacySubscribe = "2025-11-25"

func TestNotifierTellsSubscribers(t *testing.T) {
	st, err := session.Open(filepath.Join(t.TempDir(), "live.db"), session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	old := testFlow(1)
	st.Add(old)

	n := NewNotifier(st)
	s := New(Config{Source: StoreSource{Store: st}, Live: &Live{}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		n.Run(ctx, s)
		close(done)
	}()
	defer func() {
		cancel()
		<-done
	}()

	updates := make(chan string, 100)
	sst, ct := sdk.NewInMemoryTransports()
	ss, err := s.SDK().Connect(ctx, sst, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "t", Version: "1"}, &sdk.ClientOptions{
		ResourceUpdatedHandler: func(_ context.Context, req *sdk.ResourceUpdatedNotificationRequest) { updates <- req.Params.URI },
	}).Connect(ctx, ct, &sdk.ClientSessionOptions{ProtocolVersion: legacySubscribe})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	for _, uri := range []string{FlowsURI, FlowURI(old.ID)} {
		if err := cs.Subscribe(ctx, &sdk.SubscribeParams{URI: uri}); err != nil {
			t.Fatal(err)
		}
	}

	n.Add(testFlow(2)) // a new flow: the list changed
	if uri := testutil.Receive(t, updates, "notification of a new flow"); uri != FlowsURI {
		t.Fatalf("new flow: notified of %s", uri)
	}
	old.Comment = "looked at"
	if err := n.Update(old); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for len(got) < 2 {
		got[testutil.Receive(t, updates, "notification of an updated flow")] = true
	}
	if !got[FlowURI(old.ID)] || !got[FlowsURI] {
		t.Fatalf("update: notified of %v", got)
	}
	if st.Len() != 2 {
		t.Fatalf("the notifier lost flows: %d in the store", st.Len())
	}
	// Without --mcp-allow-actions the action tools refuse.
	callErr(t, cs, "list_paused", nil, "--mcp-allow-actions")
}
