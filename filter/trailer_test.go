package filter

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// grpcFlow is baseFlow as a failed gRPC call: its status and custom
// metadata arrive as response trailers, and the client sent a request
// trailer.
func grpcFlow() *session.Flow {
	f := baseFlow()
	f.Request.Trailer = http.Header{"X-Upload-Checksum": {"crc32=1234"}}
	f.Response.Trailer = http.Header{
		"Grpc-Status":      {"5"},
		"Grpc-Message":     {"user not found"},
		"X-Custom-Trailer": {"first", "second"},
	}
	return f
}

func TestHeaderOperatorsMatchTrailers(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want bool
	}{
		{"~hs grpc-status", true},
		{`~hs "^grpc-status: 5$"`, true},
		{`~hs "grpc-status: 0"`, false},
		{`~hs "grpc-message: user not"`, true},
		{"~hq grpc-status", false},
		{"~h x-custom-trailer", true},
		{`~h "^x-custom-trailer: second$"`, true},
		{"~h grpc-status & ~hs nginx", true}, // headers and trailers both count
		{"~hq x-upload-checksum", true},
		{`~hq "crc32=1234"`, true},
		{"~hs x-upload-checksum", false},
		{"~h x-upload-checksum", true},
		{"~h x-missing", false},
	} {
		m, err := Parse(tc.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.expr, err)
		}
		if got := m.Match(grpcFlow()); got != tc.want {
			t.Errorf("%s on a flow with trailers = %v, want %v", tc.expr, got, tc.want)
		}
		if tc.want {
			// Without its trailers the flow no longer matches: the
			// trailer lines are what matched.
			f := grpcFlow()
			f.Request.Trailer, f.Response.Trailer = nil, nil
			if m.Match(f) {
				t.Errorf("%s matches the flow without its trailers", tc.expr)
			}
		}
	}
}

// TestTrailerFilterOverStore runs ~hs over flows a Store keeps light
// (their trailers only in the file), before and after reopening it.
func TestTrailerFilterOverStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := session.Open(path, session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	plain := baseFlow()
	plain.ID = ""
	call := grpcFlow()
	call.ID = ""
	s.Add(plain)
	s.Add(call)
	m, err := Parse(`~hs "grpc-status: 5" & ~h x-custom-trailer`)
	if err != nil {
		t.Fatal(err)
	}
	check := func(s *session.Store, when string) {
		t.Helper()
		got := s.List(m, 0, -1)
		if len(got) != 1 || got[0].ID != call.ID {
			t.Errorf("%s: List(%s) = %d flows, want the gRPC call alone", when, m, len(got))
		}
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	check(s, "committed")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = session.Open(path, session.Options{ReadOnly: true}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check(s, "reopened")
}
