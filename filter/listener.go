package filter

import "github.com/siphonproxy/siphon/session"

// matchListener matches the name of the listener a flow came in on, such
// as "regular@8080", "reverse:https://api.example.com@8081" or
// "socks5@1080": ~listener socks5 picks every flow a SOCKS client sent.
func matchListener(t *text, f *session.Flow) bool {
	return t.matchString(f.Listener)
}
