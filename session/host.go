package session

import "net/url"

// hostOf is url.Parse(raw)'s Hostname(), "" when raw does not parse. The
// writer asks it of every flow it stores, and url.Parse (with its
// allocations) was 4 % of the writer's time: the common shape,
// scheme://host[:port] and a path, query or nothing, is read in place,
// and anything else (userinfo, IPv6 brackets, escapes, fragments, odd
// bytes) goes to url.Parse.
func hostOf(raw string) string {
	if h, ok := plainHost(raw); ok {
		return h
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// plainHost reads the host of raw when raw has the plain shape hostOf
// describes and every byte of it is one url.Parse accepts as is; ok is
// false otherwise.
func plainHost(raw string) (host string, ok bool) {
	for i := 0; i < len(raw); i++ {
		// Control bytes fail url.Parse; '%' and '#' it checks further.
		if c := raw[i]; c < 0x21 || c == 0x7f || c == '%' || c == '#' {
			return "", false
		}
	}
	i := 0
	for ; i < len(raw); i++ {
		c := raw[i]
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && (i == 0 || !('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			break
		}
	}
	if i == 0 || len(raw) < i+3 || raw[i:i+3] != "://" {
		return "", false
	}
	auth := raw[i+3:]
	for j := 0; j < len(auth); j++ {
		if auth[j] == '/' || auth[j] == '?' {
			auth = auth[:j]
			break
		}
	}
	end := len(auth) // of the host; a port follows the last ':'
	for j := len(auth) - 1; j >= 0; j-- {
		c := auth[j]
		if c == ':' {
			end = j
			break
		}
		if c < '0' || c > '9' {
			break
		}
	}
	for j := 0; j < end; j++ {
		c := auth[j]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			return "", false
		}
	}
	return auth[:end], true
}
