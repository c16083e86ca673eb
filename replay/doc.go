// Package replay re-sends and reproduces captured flows: it turns a flow's
// request into a curl or HTTPie command, raw HTTP or HAR (Export); sends
// flows again through siphon's own listener so that the replays are
// captured and marked (Sender, Marker, Runner); and answers requests from
// a recorded session without the origin (Server, for server-side replay).
//
// Everything here works on session snapshots and never on live
// *http.Request values; the proxy and the UI call in, nothing here calls
// them.
package replay
