package ui

import (
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// e on a stored flow that the user leaves as it was records no edit: no
// original, no comment, the request as captured. Editors that save the
// file untouched, or add the final newline vi adds, change nothing; a
// real change is recorded.
func TestEditStoredWithoutChange(t *testing.T) {
	for _, c := range []struct {
		name, script string
		edited       bool
	}{
		{"quit without saving", "true\n", false},
		{"save as it was", `cat "$1" > "$1.tmp" && mv "$1.tmp" "$1"` + "\n", false},
		{"save with a final newline", `printf '\n' >> "$1"` + "\n", false},
		{"change the body", `sed -i 's/remember=on/remember=off/' "$1"` + "\n", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			store := fixedStore(t)
			// A gzip request body too: it is shown decoded and encoded
			// again, which must not count as a change.
			zipped := req("PUT", "https://api.example.com/v1/blob", http.Header{"Content-Encoding": {"gzip"}}, "")
			zipped.Body = session.Body{Data: testutil.Gzip("a compressed body"), Size: int64(len(testutil.Gzip("a compressed body")))}
			store.Add(&session.Flow{State: session.Done, Request: zipped, Response: resp(204, "", nil)})
			script := filepath.Join(t.TempDir(), "editor.sh")
			must(t, os.WriteFile(script, []byte(c.script), 0o644))
			tm := start(t, store, 120, 20, WithEngine(intercept.New(intercept.Config{})), WithEditor("sh "+script))
			waitScreen(t, tm, "/v1/blob")

			before := map[int64]*session.Flow{}
			for _, seq := range []int64{2, 11} {
				before[seq] = storedSeq(t, store, seq)
			}
			press(tm, keymap.ScopeList, keymap.ActDown) // #2, the form POST
			press(tm, keymap.ScopeIntercept, keymap.ActEdit)
			if c.edited {
				waitScreen(t, tm, "edited the request of flow #2")
			} else {
				waitScreen(t, tm, "no change: the request of flow #2 is as it was")
			}
			press(tm, keymap.ScopeList, keymap.ActBottom) // #11, the gzip PUT
			press(tm, keymap.ScopeIntercept, keymap.ActEdit)
			if c.edited { // sed found nothing to change in it
				waitScreen(t, tm, "no change: the request of flow #11")
			} else {
				waitScreen(t, tm, "no change: the request of flow #11 is as it was")
			}
			finish(t, tm)

			for seq, was := range before {
				now := storedSeq(t, store, seq)
				if seq == 2 && c.edited {
					if now.Original == nil || string(now.Request.Body.Data) != "user=ada&password=s%26cret&remember=off" ||
						now.Comment != "request edited in siphon after capture" {
						t.Errorf("edited flow #2: original %v, body %q, comment %q", now.Original != nil, now.Request.Body.Data, now.Comment)
					}
					continue
				}
				if now.Original != nil || now.Comment != was.Comment || !reflect.DeepEqual(now.Request, was.Request) {
					t.Errorf("flow #%d after an edit without change: original %v, comment %q, request changed %v",
						seq, now.Original != nil, now.Comment, !reflect.DeepEqual(now.Request, was.Request))
				}
			}
		})
	}
}

// storedSeq reads the flow with sequence number seq from the store.
func storedSeq(t *testing.T, store *session.Store, seq int64) *session.Flow {
	t.Helper()
	for _, f := range store.List(nil, 0, -1) {
		if f.Seq == seq {
			g, err := store.Get(f.ID)
			must(t, err)
			return g
		}
	}
	t.Fatalf("no flow #%d", seq)
	return nil
}
