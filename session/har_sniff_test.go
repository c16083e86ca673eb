package session

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// LooksLikeHAR goes by content: the browsers' files, siphon's own and a
// HAR cut short (which ReadHAR then refuses with its error) look like HAR;
// session files, other JSON and anything else do not.
func TestLooksLikeHAR(t *testing.T) {
	var ours bytes.Buffer
	if err := WriteHAR(&ours, HARCreator{Name: "siphon"}, smallFlow(1)); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, dbPath, Options{})
	s.Add(smallFlow(2))
	mustClose(t, s)

	cases := []struct {
		name string
		data []byte
		want bool
	}{
		{"chrome", readFile(t, chromeHAR), true},
		{"firefox", readFile(t, firefoxHAR), true},
		{"siphon", ours.Bytes(), true},
		{"log not first", []byte(`{"comment": {"a": [1, {"b": 2}]}, "log": {"entries": []}}`), true},
		{"cut short", []byte(`{"log": {"entries": [{"request": `), true},
		{"session file", readFile(t, dbPath), false},
		{"log not an object", []byte(`{"log": [1, 2]}`), false},
		{"other JSON", []byte(`{"name": "package.json", "version": "1.0.0"}`), false},
		{"array", []byte(`[{"log": {}}]`), false},
		{"text", []byte("GET / HTTP/1.1\r\n"), false},
		{"empty", nil, false},
		{"log key cut", []byte(`{"log"`), false},
	}
	for _, c := range cases {
		if got := LooksLikeHAR(bytes.NewReader(c.data)); got != c.want {
			t.Errorf("%s: LooksLikeHAR = %v, want %v", c.name, got, c.want)
		}
	}

	// It stops reading after the first MiB: a "log" beyond it is not seen.
	late := `{"padding": "` + strings.Repeat("x", harSniffLimit) + `", "log": {}}`
	if LooksLikeHAR(strings.NewReader(late)) {
		t.Errorf("read past the sniff limit")
	}
}

// FuzzLooksLikeHAR: whatever ReadHAR accepts, LooksLikeHAR recognises, so
// that siphon --readonly never turns a good HAR file away as a session.
func FuzzLooksLikeHAR(f *testing.F) {
	f.Add([]byte(`{"log":{"entries":[]}}`))
	f.Add([]byte(` {"x":[{"log":1}],"log":{"version":"1.2","entries":[]}}`))
	f.Add([]byte(`{"log":[],"log":{"entries":[]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sniffed := LooksLikeHAR(bytes.NewReader(data))
		if _, err := ReadHAR(bytes.NewReader(data), func(*Flow) error { return nil }); err == nil && !sniffed {
			t.Fatalf("ReadHAR accepts %q, LooksLikeHAR says it is not HAR", data)
		}
	})
}
