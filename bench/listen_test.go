package main

import "testing"

// siphonAddr reads the address off each of siphon's listener lines, and
// nothing off its other start-up lines.
func TestSiphonAddrReadsEveryListenerLine(t *testing.T) {
	for line, want := range map[string]string{
		"siphon: proxy listening on http://127.0.0.1:8080":                                                                          "127.0.0.1:8080",
		"siphon: proxy listening on http://127.0.0.1:8080 (regular@8080)":                                                           "127.0.0.1:8080",
		"siphon: reverse proxy to https://127.0.0.1:9 listening on http://127.0.0.1:4431 and https://127.0.0.1:4431 (reverse@4431)": "127.0.0.1:4431",
		"siphon: SOCKS5 proxy listening on socks5h://127.0.0.1:1080 (socks5@1080)":                                                  "127.0.0.1:1080",
		"siphon: MCP server on http://127.0.0.1:7777/mcp (read-only)":                                                               "",
		"siphon: session /tmp/s.db":                 "",
		"mitmdump: listening on http://127.0.0.1:1": "",
	} {
		got, ok := siphonAddr(line)
		if got != want || ok != (want != "") {
			t.Errorf("siphonAddr(%q) = %q, %v; want %q", line, got, ok, want)
		}
	}
}
