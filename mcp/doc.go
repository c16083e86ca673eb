// Package mcp provides siphon's Model Context Protocol server: tools with
// which a coding agent lists, reads, searches, diffs and exports the flows of
// a session (a file another siphon may still be writing, or the live proxy's
// store), a siphon://flow/{id} resource template, and, on the live proxy and
// only when allowed, action tools that replay flows, add rules and resolve
// paused flows.
//
// Every answer is redacted unless the server is configured otherwise:
// credential headers (Authorization, Proxy-Authorization, Cookie,
// Set-Cookie), JSON fields and query parameters named like secrets
// (password, token, secret, api_key) are replaced by "[redacted …N chars]",
// and filters and searches see flows so redacted. Mistakes an agent can fix (an unknown flow id,
// a malformed filter with its byte offset, an argument out of range) are
// tool errors saying what to do, never protocol errors.
package mcp
