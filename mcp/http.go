package mcp

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Path is where the live server answers MCP over streamable HTTP.
const Path = "/mcp"

// NewToken returns a random bearer token for the live server.
func NewToken() string {
	b := make([]byte, 24)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// CheckLoopback refuses an address that other machines could reach: the
// live server lets whoever holds the token read every captured secret.
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("bad MCP address %q: want HOST:PORT on loopback, such as 127.0.0.1:8765", addr)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("MCP address %q is not loopback: the MCP server only listens on 127.0.0.1, ::1 or localhost", addr)
}

// Handler serves MCP over streamable HTTP at Path to clients that send
// "Authorization: Bearer token". The SDK refuses requests whose Host is not
// local (DNS rebinding).
func (s *Server) Handler(token string) http.Handler {
	var mcpHandler http.Handler = sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return s.srv }, &sdk.StreamableHTTPOptions{Logger: s.cfg.Logger})
	if s.cfg.Busy != nil {
		mcpHandler = newPacer(s.cfg.Busy).handler(mcpHandler)
	}
	want := []byte("Bearer " + token)
	mux := http.NewServeMux()
	mux.Handle(Path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if len(got) > 7 && strings.EqualFold(string(got[:7]), "bearer ") {
			got = append([]byte("Bearer "), got[7:]...)
		}
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="siphon"`)
			http.Error(w, "siphon MCP: missing or wrong bearer token (printed by siphon at start, or set with --mcp-token)", http.StatusUnauthorized)
			return
		}
		mcpHandler.ServeHTTP(w, r)
	}))
	return mux
}
