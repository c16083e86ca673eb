// Package testutil holds helpers shared by siphon's tests: a loopback
// origin that records what it receives (RecordingOrigin, SameRequest), a
// bounded wait on a channel (Receive), gzip bodies (Gzip) and the check
// for programs a test runs (NeedCommand).
//
// It imports only the standard library, so that every package's tests can
// use it, those inside the package (package session, package certs)
// included. Helpers that need a project package live in a subpackage named
// after it, whose own internal tests cannot use them: certstest (a
// throwaway CA and minter). Those that need teatest are in tuitest, so
// that only the UI's tests build it.
package testutil
