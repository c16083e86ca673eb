package mcp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/siphonproxy/siphon/session"
)

// redactedHeaders are the headers whose values never leave siphon through
// MCP unless --mcp-no-redact: credentials an agent's transcript (and its
// provider) should not hold.
var redactedHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"}

// sensitiveKey matches JSON field names that hold secrets.
var sensitiveKey = regexp.MustCompile(`(?i)password|passwd|token|secret|api[_-]?key|apikey`)

// placeholder is what replaces a secret of n characters.
func placeholder(n int) string { return fmt.Sprintf("[redacted …%d chars]", n) }

// redactFlow returns a copy of f with secrets replaced: query parameters
// named like secrets, the values of credential headers (keeping an Authorization scheme and cookie names,
// which say what kind of credential was sent without giving it away) and
// JSON fields whose names contain password, token, secret or api_key. A body
// that had something redacted is stored decoded (its Content-Encoding
// removed), since compressed bytes cannot be edited in place.
func redactFlow(f *session.Flow) *session.Flow {
	g := f.Clone()
	if g.Request != nil {
		g.Request.URL = redactURL(g.Request.URL)
		redactHeader(g.Request.Header)
		redactHeader(g.Request.Trailer)
		g.Request.Body = redactBody(g.Request.Header, g.Request.Body)
	}
	if g.Original != nil {
		g.Original.URL = redactURL(g.Original.URL)
		redactHeader(g.Original.Header)
		g.Original.Body = redactBody(g.Original.Header, g.Original.Body)
	}
	if g.Response != nil {
		redactHeader(g.Response.Header)
		redactHeader(g.Response.Trailer)
		g.Response.Body = redactBody(g.Response.Header, g.Response.Body)
	}
	return g
}

// redactMessages returns copies of WebSocket messages whose text payloads
// that hold JSON have their sensitive fields redacted, as bodies do.
func redactMessages(msgs []session.Message) []session.Message {
	out := make([]session.Message, len(msgs))
	for i, m := range msgs {
		out[i] = m
		if m.Opcode != session.OpText {
			continue
		}
		if t := bytes.TrimLeft(m.Data, " \t\r\n"); len(t) == 0 || (t[0] != '{' && t[0] != '[') {
			continue
		}
		if data, changed := redactJSON(m.Data); changed {
			out[i].Data = data
			out[i].Size = int64(len(data)) + max(0, m.Size-int64(len(m.Data)))
		}
	}
	return out
}

func redactHeader(h http.Header) {
	for _, name := range redactedHeaders {
		vs := h[name]
		for i, v := range vs {
			switch name {
			case "Cookie":
				vs[i] = redactCookies(v, ";")
			case "Set-Cookie":
				// Only the first pair is the cookie; the rest are attributes.
				pair, attrs, found := strings.Cut(v, ";")
				vs[i] = redactCookies(pair, ";")
				if found {
					vs[i] += ";" + attrs
				}
			default:
				scheme, cred, ok := strings.Cut(v, " ")
				if ok && scheme != "" && !strings.ContainsAny(scheme, "=:") {
					vs[i] = scheme + " " + placeholder(utf8.RuneCountInString(cred))
				} else {
					vs[i] = placeholder(utf8.RuneCountInString(v))
				}
			}
		}
	}
}

// redactCookies keeps the names of "name=value" pairs and hides the values.
func redactCookies(v, sep string) string {
	parts := strings.Split(v, sep)
	for i, p := range parts {
		name, val, ok := strings.Cut(p, "=")
		if !ok {
			parts[i] = placeholder(utf8.RuneCountInString(strings.TrimSpace(p)))
			if strings.HasPrefix(p, " ") {
				parts[i] = " " + parts[i]
			}
			continue
		}
		parts[i] = name + "=" + placeholder(utf8.RuneCountInString(val))
	}
	return strings.Join(parts, sep)
}

// redactBody hides sensitive fields of a JSON body; other bodies are
// returned as they are.
func redactBody(h http.Header, b session.Body) session.Body {
	if len(b.Data) == 0 {
		return b
	}
	ct := strings.ToLower(h.Get("Content-Type"))
	data, err := b.Decode(h.Get("Content-Encoding"))
	if err != nil {
		return b
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if !strings.Contains(ct, "json") && (len(trimmed) == 0 || (trimmed[0] != '{' && trimmed[0] != '[')) {
		return b
	}
	out, changed := redactJSON(data)
	if !changed {
		return b
	}
	h.Del("Content-Encoding")
	if h.Get("Content-Length") != "" {
		h.Set("Content-Length", strconv.Itoa(len(out)))
	}
	return session.Body{Data: out, Size: int64(len(out)) + max(0, b.Size-int64(len(b.Data))), Truncated: b.Truncated}
}

// redactJSON replaces the values of sensitive fields, keeping every other
// byte of the document as it was (key order, spacing). A document that does
// not parse (one cut at the capture limit, say) is redacted by pattern.
func redactJSON(data []byte) ([]byte, bool) {
	type span struct {
		start, end int
		repl       string
	}
	type frame struct{ object, wantKey bool }
	var spans []span
	var stack []frame
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return redactByPattern(data)
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if d, isDelim := tok.(json.Delim); isDelim && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		if top != nil && top.object && top.wantKey {
			key, _ := tok.(string)
			if !sensitiveKey.MatchString(key) {
				top.wantKey = false
				continue
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return redactByPattern(data)
			}
			end := int(dec.InputOffset())
			spans = append(spans, span{end - len(raw), end, `"` + placeholder(valueLen(raw)) + `"`})
			continue
		}
		// A value: the object holding it wants a key next.
		if top != nil && top.object {
			top.wantKey = true
		}
		if d, isDelim := tok.(json.Delim); isDelim {
			stack = append(stack, frame{object: d == '{', wantKey: true})
		}
	}
	if len(spans) == 0 {
		return data, false
	}
	var out bytes.Buffer
	last := 0
	for _, s := range spans {
		out.Write(data[last:s.start])
		out.WriteString(s.repl)
		last = s.end
	}
	out.Write(data[last:])
	return out.Bytes(), true
}

// valueLen is how many characters a secret has: a string's characters
// once unquoted, or the length of any other JSON value's text.
func valueLen(raw json.RawMessage) int {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return utf8.RuneCountInString(s)
	}
	return len(raw)
}

// patternField matches a sensitive field with a string or scalar value, for
// documents that do not parse.
var patternField = regexp.MustCompile(`(?i)("[^"\\]*(?:password|passwd|token|secret|api[_-]?key|apikey)[^"\\]*"\s*:\s*)("(?:[^"\\]|\\.)*"?|[-0-9.eE+]+|true|false|null)`)

func redactByPattern(data []byte) ([]byte, bool) {
	changed := false
	out := patternField.ReplaceAllFunc(data, func(m []byte) []byte {
		sub := patternField.FindSubmatch(m)
		changed = true
		val := sub[2]
		n := len(val)
		if len(val) > 0 && val[0] == '"' {
			n = valueLen(val)
			if n == len(val) { // unterminated or undecodable: count the bytes inside
				n = utf8.RuneCount(bytes.Trim(val, `"`))
			}
		}
		return append(append([]byte{}, sub[1]...), `"`+placeholder(n)+`"`...)
	})
	return out, changed
}

// redactURL hides the values of query parameters whose names say they hold
// a secret (access_token, api_key...).
func redactURL(u string) string {
	base, query, ok := strings.Cut(u, "?")
	if !ok || !sensitiveKey.MatchString(query) {
		return u
	}
	query, frag, hasFrag := strings.Cut(query, "#")
	params := strings.Split(query, "&")
	for i, p := range params {
		name, val, ok := strings.Cut(p, "=")
		if ok && sensitiveKey.MatchString(name) {
			params[i] = name + "=" + placeholder(utf8.RuneCountInString(val))
		}
	}
	out := base + "?" + strings.Join(params, "&")
	if hasFrag {
		out += "#" + frag
	}
	return out
}
