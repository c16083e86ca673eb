package intercept

import (
	"fmt"
	"net/http"

	"gopkg.in/yaml.v3"
)

// The shapes rules take in a file, for writing; reading goes through
// ruleReader, which reports mistakes by line.
type (
	ruleYAML struct {
		Name       string        `yaml:"name"`
		Match      string        `yaml:"match"`
		Enabled    *bool         `yaml:"enabled,omitempty"`
		Breakpoint string        `yaml:"breakpoint,omitempty"`
		Mock       *mockYAML     `yaml:"mock,omitempty"`
		MapRemote  string        `yaml:"map-remote,omitempty"`
		Rewrite    *rewriteYAML  `yaml:"rewrite,omitempty"`
		Block      any           `yaml:"block,omitempty"`
		Throttle   *throttleYAML `yaml:"throttle,omitempty"`
	}
	mockYAML struct {
		Status  int            `yaml:"status,omitempty"`
		Headers map[string]any `yaml:"headers,omitempty"`
		Body    string         `yaml:"body,omitempty"`
		File    string         `yaml:"file,omitempty"`
		Delay   string         `yaml:"delay,omitempty"`
	}
	rewriteYAML struct {
		Request  *messageYAML `yaml:"request,omitempty"`
		Response *messageYAML `yaml:"response,omitempty"`
		Messages *wsYAML      `yaml:"messages,omitempty"`
	}
	wsYAML struct {
		BodyReplace []replaceYAML `yaml:"body-replace,omitempty"`
		Direction   string        `yaml:"direction,omitempty"`
	}
	messageYAML struct {
		SetHeaders    map[string]any `yaml:"set-headers,omitempty"`
		RemoveHeaders []string       `yaml:"remove-headers,omitempty"`
		Status        int            `yaml:"status,omitempty"`
		BodyReplace   []replaceYAML  `yaml:"body-replace,omitempty"`
	}
	replaceYAML struct {
		Regex   string `yaml:"regex"`
		Replace string `yaml:"replace"`
	}
	throttleYAML struct {
		Latency   string `yaml:"latency,omitempty"`
		Bandwidth string `yaml:"bandwidth,omitempty"`
	}
)

// Marshal writes rules as a rules file that LoadFile reads back to the
// same rules (File and Line aside).
func Marshal(rules []*Rule) ([]byte, error) {
	out := make([]ruleYAML, 0, len(rules))
	for _, r := range rules {
		if r.actions() != 1 {
			return nil, fmt.Errorf("marshal rule %q: a rule has exactly one action", r.Name)
		}
		y := ruleYAML{Name: r.Name, Match: r.Match, MapRemote: r.MapRemote}
		if r.Disabled {
			off := false
			y.Enabled = &off
		}
		if r.Breakpoint != NoBreakpoint {
			y.Breakpoint = r.Breakpoint.String()
		}
		if m := r.Mock; m != nil {
			y.Mock = &mockYAML{Status: m.Status, Headers: headerYAML(m.Header), Body: m.Body, File: m.File}
			if m.Delay > 0 {
				y.Mock.Delay = m.Delay.String()
			}
		}
		if rw := r.Rewrite; rw != nil {
			y.Rewrite = &rewriteYAML{Request: messageOf(rw.Request), Response: messageOf(rw.Response)}
			if m := rw.Messages; m != nil {
				y.Rewrite.Messages = &wsYAML{BodyReplace: replacesOf(m.BodyReplace), Direction: m.Direction}
			}
		}
		if b := r.Block; b != nil {
			y.Block = b.Status
			if b.Drop {
				y.Block = "drop"
			}
			if b.Messages {
				y.Block = "messages"
			}
		}
		if t := r.Throttle; t != nil {
			y.Throttle = &throttleYAML{}
			if t.Latency > 0 {
				y.Throttle.Latency = t.Latency.String()
			}
			if t.Bandwidth > 0 {
				y.Throttle.Bandwidth = FormatBandwidth(t.Bandwidth)
			}
		}
		out = append(out, y)
	}
	if len(out) == 0 {
		return []byte("[]\n"), nil
	}
	return yaml.Marshal(out)
}

func messageOf(m *MessageRewrite) *messageYAML {
	if m == nil {
		return nil
	}
	y := &messageYAML{SetHeaders: headerYAML(m.SetHeaders), RemoveHeaders: m.RemoveHeaders, Status: m.Status}
	y.BodyReplace = replacesOf(m.BodyReplace)
	return y
}

func replacesOf(rps []Replace) []replaceYAML {
	var out []replaceYAML
	for _, rp := range rps {
		out = append(out, replaceYAML{Regex: rp.Regex, Replace: rp.Replacement})
	}
	return out
}

// headerYAML writes a header with one value as name: value, and with
// several as a list.
func headerYAML(h http.Header) map[string]any {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string]any, len(h))
	for k, vs := range h {
		if len(vs) == 1 {
			out[k] = vs[0]
		} else {
			out[k] = vs
		}
	}
	return out
}
