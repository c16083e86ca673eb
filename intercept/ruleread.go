package intercept

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// ruleReader turns one YAML mapping into a Rule, reporting each mistake
// at its line and remembering where each field was written, so that a
// later compile error can be placed too.
type ruleReader struct {
	*loader
	rule  *Rule
	lines map[string]int // field path ("mock.file") → line
}

var ruleKeys = []string{"name", "match", "enabled", "breakpoint", "mock", "map-remote", "rewrite", "block", "throttle"}

func (rd *ruleReader) fields(n *yaml.Node) {
	r := rd.rule
	rd.mapping(n, "rule", ruleKeys, func(key string, v *yaml.Node) {
		switch key {
		case "name":
			r.Name, _ = rd.str(v, key)
		case "match":
			r.Match, _ = rd.str(v, key)
		case "enabled":
			var on bool
			if rd.decode(v, key, &on, "true or false") {
				r.Disabled = !on
			}
		case "breakpoint":
			s, _ := rd.str(v, key)
			switch strings.ToLower(s) {
			case "request":
				r.Breakpoint = BreakRequest
			case "response":
				r.Breakpoint = BreakResponse
			case "both":
				r.Breakpoint = BreakBoth
			case "messages":
				r.Breakpoint = BreakMessages
			default:
				rd.errorf(v.Line, "bad breakpoint %q: want request, response, both or messages", s)
			}
		case "mock":
			r.Mock = rd.mock(v)
		case "map-remote":
			r.MapRemote, _ = rd.str(v, key)
			if r.MapRemote == "" {
				rd.errorf(v.Line, "map-remote needs a URL")
			}
		case "rewrite":
			r.Rewrite = &Rewrite{}
			rd.mapping(v, "rewrite", []string{"request", "response", "messages"}, func(part string, pv *yaml.Node) {
				switch part {
				case "request":
					r.Rewrite.Request = rd.messageRewrite(pv, "rewrite.request")
				case "response":
					r.Rewrite.Response = rd.messageRewrite(pv, "rewrite.response")
				default:
					r.Rewrite.Messages = rd.webSocketRewrite(pv)
				}
			})
		case "block":
			r.Block = rd.block(v)
		case "throttle":
			r.Throttle = rd.throttle(v)
		}
	})
}

func (rd *ruleReader) mock(n *yaml.Node) *Mock {
	m := &Mock{}
	rd.mapping(n, "mock", []string{"status", "headers", "body", "file", "delay"}, func(key string, v *yaml.Node) {
		field := "mock." + key
		switch key {
		case "status":
			rd.decode(v, field, &m.Status, "an HTTP status such as 200")
		case "headers":
			m.Header = rd.header(v, field)
		case "body":
			m.Body, _ = rd.str(v, field)
		case "file":
			m.File, _ = rd.str(v, field)
			if m.File != "" {
				rd.deps = append(rd.deps, resolvePath(rd.dir, m.File))
			}
		case "delay":
			if s, ok := rd.str(v, field); ok {
				d, err := parseDelay(s)
				if err != nil {
					rd.errorf(v.Line, "mock delay: %v", err)
				}
				m.Delay = d
			}
		}
	})
	return m
}

func (rd *ruleReader) messageRewrite(n *yaml.Node, field string) *MessageRewrite {
	m := &MessageRewrite{}
	rd.mapping(n, field, []string{"set-headers", "remove-headers", "status", "body-replace"}, func(key string, v *yaml.Node) {
		sub := field + "." + key
		switch key {
		case "set-headers":
			m.SetHeaders = rd.header(v, sub)
		case "remove-headers":
			m.RemoveHeaders = rd.strList(v, sub)
		case "status":
			rd.decode(v, sub, &m.Status, "an HTTP status such as 200")
		case "body-replace":
			m.BodyReplace = rd.bodyReplace(v, sub)
		}
	})
	return m
}

// webSocketRewrite reads rewrite.messages: body-replace and direction.
func (rd *ruleReader) webSocketRewrite(n *yaml.Node) *WebSocketRewrite {
	m := &WebSocketRewrite{}
	const field = "rewrite.messages"
	rd.mapping(n, field, []string{"body-replace", "direction"}, func(key string, v *yaml.Node) {
		sub := field + "." + key
		switch key {
		case "body-replace":
			m.BodyReplace = rd.bodyReplace(v, sub)
		case "direction":
			s, _ := rd.str(v, sub)
			switch s = strings.ToLower(s); s {
			case "up", "down", "both":
				m.Direction = s
			default:
				rd.errorf(v.Line, "bad %s %q: want up (client to server), down or both", sub, s)
			}
		}
	})
	if len(m.BodyReplace) == 0 {
		rd.errorf(n.Line, "%s needs body-replace", field)
	}
	return m
}

// bodyReplace reads a list of {regex, replace} pairs.
func (rd *ruleReader) bodyReplace(v *yaml.Node, sub string) []Replace {
	v = resolve(v)
	if v.Kind != yaml.SequenceNode {
		rd.errorf(v.Line, "%s is a list of {regex, replace} pairs", sub)
		return nil
	}
	var out []Replace
	for i, item := range v.Content {
		var rp Replace
		item = resolve(item)
		rd.lines[fmt.Sprintf("%s.%d", sub, i)] = item.Line
		rd.mapping(item, sub, []string{"regex", "replace"}, func(k string, iv *yaml.Node) {
			rd.lines[fmt.Sprintf("%s.%d.%s", sub, i, k)] = iv.Line
			if k == "regex" {
				rp.Regex, _ = rd.str(iv, sub+" regex")
				// Checked here, so that it is reported with the rule's
				// other mistakes: compile sees only rules read whole.
				if _, err := regexp.Compile(rp.Regex); err != nil {
					rd.errorf(iv.Line, "bad regex %q: %v", rp.Regex, err)
				}
			} else {
				rp.Replacement, _ = rd.str(iv, sub+" replace")
			}
		})
		if rp.Regex == "" {
			rd.errorf(item.Line, "%s entry needs a regex", sub)
		}
		out = append(out, rp)
	}
	return out
}

func (rd *ruleReader) block(n *yaml.Node) *Block {
	s, ok := rd.str(n, "block")
	if !ok {
		return &Block{}
	}
	if strings.EqualFold(s, "drop") {
		return &Block{Drop: true}
	}
	if strings.EqualFold(s, "messages") {
		return &Block{Messages: true}
	}
	var status int
	if !rd.decode(n, "block", &status, "an HTTP status such as 403, drop, or messages") {
		return &Block{}
	}
	return &Block{Status: status}
}

func (rd *ruleReader) throttle(n *yaml.Node) *Throttle {
	t := &Throttle{}
	rd.mapping(n, "throttle", []string{"latency", "bandwidth"}, func(key string, v *yaml.Node) {
		s, ok := rd.str(v, "throttle."+key)
		if !ok {
			return
		}
		var err error
		if key == "latency" {
			t.Latency, err = parseDelay(s)
		} else {
			t.Bandwidth, err = ParseBandwidth(s)
		}
		if err != nil {
			rd.errorf(v.Line, "throttle %s: %v", key, err)
		}
	})
	return t
}

// header reads a mapping of header names to a value or a list of values.
func (rd *ruleReader) header(n *yaml.Node, field string) http.Header {
	h := http.Header{}
	rd.mapping(n, field, nil, func(name string, v *yaml.Node) {
		v = resolve(v)
		if v.Kind == yaml.SequenceNode {
			h[name] = append(h[name], rd.strList(v, field+" "+name)...)
			return
		}
		if s, ok := rd.str(v, field+" "+name); ok {
			h[name] = append(h[name], s)
		}
	})
	return h
}
