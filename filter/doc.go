// Package filter provides siphon's flow filter language, the syntax of
// mitmproxy's flow filters plus numeric comparisons on duration and size.
// Parse turns an expression into a *Filter, which is a session.Matcher.
//
// # Syntax
//
// An expression combines operators:
//
//	~d example\.com & ~m POST      requests to example.com made with POST
//	~c >=400 | ~e                  error statuses, or flows that failed
//	!~a ~dur >500ms                slow flows that are not assets
//	/api/v[0-9]+/                  a bare word is a URL regex: ~u /api/v[0-9]+/
//
// Operators is the full list, with one line of help for each; Help adds the
// combinators. Beyond mitmproxy's operators there are ~dur and ~size, and ~c
// also takes a comparison. From tightest to loosest binding:
//
//	!a        not
//	a & b     and
//	a | b     or
//	a b       juxtaposition, also and
//
// Juxtaposition binds loosest, as in mitmproxy: "~d x ~m GET | ~m PUT"
// means "~d x & (~m GET | ~m PUT)". Parentheses group.
//
// # Arguments
//
// A regex argument is a word (a run of characters other than white space,
// parentheses, "~" and quotes; so "a|b" and "a=1&b=2" are single words) or a
// quoted string, in single or double quotes. Inside quotes a backslash
// escapes a quote or a backslash; any other backslash is kept, so regex
// escapes such as "\d+" need no doubling. An unquoted argument may not start
// with "&" or "|", and one that ends with "&" or "|" right before "~" or
// "(" leaves that character as an operator: "~d x&~m GET" is
// "~d x & ~m GET" (mitmproxy would read the regex "x&").
//
// Regexes use Go's syntax (RE2), are case-insensitive, and match anywhere in
// their subject unless anchored; "(?-i)" at the start of a regex makes it
// case-sensitive. Body regexes also let "." match a newline.
//
// Numeric operators take an optional comparison (=, ==, !=, <, <=, >, >=;
// none means =) and a number with an optional unit, written with or without
// spaces: "~c >=500", "~dur>1.5s", "~size <= 10KiB".
//
//   - ~dur units are ns, us (or µs), ms, s, m and h; a bare number is in
//     milliseconds.
//   - ~size reads sizes as --body-limit does (session.ParseSize): B, KB,
//     MB, GB, TB (powers of 1000, as sizes are displayed), KiB, MiB, GiB,
//     TiB and a bare K, M, G, T (powers of 1024), in any letter case; a bare
//     number is in bytes.
//
// # Semantics
//
// Headers are matched one line at a time against "Name: value", with the
// name in canonical form, so a header regex never spans two lines. Bodies are
// matched after undoing their Content-Encoding, or as raw bytes when that
// fails. The bodies of gRPC and gRPC-Web calls (~grpc) are also matched
// message by message as grpcmsg.Text renders them ("2: \"ada\"", nested
// messages indented), and, for a Filter made by ParseWith with Options.Types
// (siphon --proto), as the JSON of the methods those types know.
//
// ~dur never matches a flow that has not completed, and ~size never
// matches a flow with neither a response nor stream traffic. ~http matches
// plain HTTP flows and WebSocket upgrades (as mitmproxy does); ~q matches
// either kind while it has no response.
package filter
