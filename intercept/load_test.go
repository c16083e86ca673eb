package intercept

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoadFileErrorsNameFileAndLine(t *testing.T) {
	cases := []struct {
		kind    string
		content string
		line    int
		want    string
	}{
		{"yaml syntax", "- name: a\n  match: ~all\n  mock: {status: 200\n", 3, "YAML: did not find expected ',' or '}'"},
		{"yaml tab", "- name: a\n  match: ~all\n\tmock: {}\n", 3, "YAML: found a tab character"},
		{"yaml bad indent", "- name: a\n  match: ~all\n  block: 403\n- name: b\n  match: ~all\n   block: 404\n", 6, "YAML: "},
		{"not a list", "name: a\nmatch: ~all\n", 1, "a rules file is a YAML list of rules"},
		{"rule not a mapping", "- name: a\n  match: ~all\n  block: 403\n- just words\n", 4, "each rule is a mapping"},
		{"unknown action", "- name: a\n  match: ~all\n  mok: {status: 200}\n", 3, `unknown action "mok" (did you mean mock?)`},
		{"unknown key in mock", "- name: a\n  match: ~all\n  mock:\n    stauts: 200\n", 4, `unknown key "stauts" in mock (did you mean status?)`},
		{"no action", "- name: a\n  match: ~all\n", 1, `rule "a" has no action`},
		{"two actions", "- name: a\n  match: ~all\n  block: 403\n  throttle: {latency: 1s}\n", 1, "has 2 actions"},
		{"no name", "- match: ~all\n  block: 403\n", 1, "a rule needs a name"},
		{"no match", "- name: a\n  block: 403\n", 1, "needs a match expression"},
		{"bad filter", "- name: a\n\n  match: ~d x & ~zz\n  block: 403\n", 3, `bad match expression "~d x & ~zz": filter: offset 7: unknown operator "~zz"`},
		{"missing mock file", "- name: a\n  match: ~all\n  mock:\n    status: 200\n    file: nowhere.json\n", 5, "mock file: open "},
		{"mock body and file", "- name: a\n  match: ~all\n  mock:\n    body: x\n    file: y.json\n", 5, "either body or file"},
		{"bad mock status", "- name: a\n  match: ~all\n  mock:\n    status: OK\n", 4, `bad mock.status "OK"`},
		{"bad mock delay", "- name: a\n  match: ~all\n  mock:\n    delay: soon\n", 4, `bad duration "soon"`},
		{"bad header name", "- name: a\n  match: ~all\n  mock:\n    headers: {\"Bad Name\": x}\n", 4, `bad header name "Bad Name"`},
		{"bad block", "- name: a\n  match: ~all\n  block: nope\n", 3, `bad block "nope"`},
		{"block status out of range", "- name: a\n  match: ~all\n  block: 1000\n", 3, "bad status 1000"},
		{"bad breakpoint", "- name: a\n  match: ~all\n  breakpoint: always\n", 3, `bad breakpoint "always"`},
		{"bad enabled", "- name: a\n  match: ~all\n  enabled: maybe\n  block: 403\n", 3, `bad enabled "maybe"`},
		{"bad map-remote", "- name: a\n  match: ~all\n  map-remote: ftp://x/\n", 3, "want http:// or https://"},
		{"bad regex", "- name: a\n  match: ~all\n  rewrite:\n    response:\n      body-replace:\n        - regex: '(unclosed'\n          replace: x\n", 6, "bad regex"},
		{"request status", "- name: a\n  match: ~all\n  rewrite:\n    request:\n      status: 200\n", 5, "a request has no status"},
		{"empty rewrite part", "- name: a\n  match: ~all\n  rewrite:\n    response: {}\n", 4, "changes nothing"},
		{"bad bandwidth", "- name: a\n  match: ~all\n  throttle:\n    bandwidth: fast\n", 4, `bad bandwidth "fast"`},
		{"empty throttle", "- name: a\n  match: ~all\n  throttle: {}\n", 3, "throttle needs a positive latency or bandwidth"},
		{"bad message breakpoint", "- name: a\n  match: ~all\n  breakpoint: message\n", 3, `bad breakpoint "message": want request, response, both or messages`},
		{"bad block messages", "- name: a\n  match: ~all\n  block: mesages\n", 3, `bad block "mesages"`},
		{"bad message direction", "- name: a\n  match: ~all\n  rewrite:\n    messages:\n      body-replace: [{regex: x, replace: y}]\n      direction: sideways\n", 6, `bad rewrite.messages.direction "sideways"`},
		{"bad message regex", "- name: a\n  match: ~all\n  rewrite:\n    messages:\n      body-replace:\n        - regex: '(x'\n", 6, "bad regex"},
		{"empty message rewrite", "- name: a\n  match: ~all\n  rewrite:\n    messages: {direction: up}\n", 4, "rewrite.messages needs body-replace"},
		{"unknown key in message rewrite", "- name: a\n  match: ~all\n  rewrite:\n    messages:\n      set-headers: {A: b}\n", 5, `unknown key "set-headers" in rewrite.messages`},
		{"duplicate key", "- name: a\n  match: ~all\n  match: ~d x\n  block: 403\n", 3, `duplicate key "match" in rule (first at line 2)`},
		{"duplicate name", "- name: a\n  match: ~all\n  block: 403\n- name: a\n  match: ~all\n  block: 404\n", 4, `duplicate rule name "a" (first at line 1)`},
	}
	for _, tc := range cases {
		t.Run(tc.kind, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "mocks.yaml", tc.content)
			rules, err := LoadFile(path)
			if rules != nil {
				t.Errorf("got %d rules from a bad file", len(rules))
			}
			fes := fileErrors(t, err)
			fe := fes[0]
			if fe.File != path || fe.Line != tc.line || !strings.Contains(fe.Msg, tc.want) {
				t.Errorf("error %q: want %s:%d and %q", fe, path, tc.line, tc.want)
			}
			if !strings.HasPrefix(err.Error(), path+":") {
				t.Errorf("message %q does not start with FILE:LINE", err)
			}
		})
	}
}

func TestLoadFileReportsEveryMistake(t *testing.T) {
	path := writeFile(t, t.TempDir(), "r.yaml", `
- name: good
  match: ~all
  block: 403
- name: bad filter
  match: ~zz
  block: 403
- name: bad action
  match: ~all
  mokc: {}
`)
	fes := fileErrors(t, loadErr(LoadFile(path)))
	var lines []int
	for _, fe := range fes {
		lines = append(lines, fe.Line)
	}
	if !reflect.DeepEqual(lines, []int{6, 10}) {
		t.Errorf("lines %v, want [6 10]: %v", lines, fes)
	}
}

// TestLoadFileReportsEveryMistakeOfOneRule checks that a rule with a bad
// regex and a bad direction has both reported, each at its line.
func TestLoadFileReportsEveryMistakeOfOneRule(t *testing.T) {
	path := writeFile(t, t.TempDir(), "r.yaml", `
- name: two mistakes
  match: ~websocket
  rewrite:
    messages:
      body-replace:
        - regex: '('
          replace: x
      direction: sideways
`)
	fes := fileErrors(t, loadErr(LoadFile(path)))
	var got []string
	for _, fe := range fes {
		got = append(got, fmt.Sprintf("%d %s", fe.Line, fe.Msg))
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], `7 bad regex "("`) || !strings.HasPrefix(got[1], `9 bad rewrite.messages.direction "sideways"`) {
		t.Errorf("errors %q, want the bad regex at line 7 and the bad direction at line 9", got)
	}
}

func loadErr(_ []*Rule, err error) error { return err }

func TestLoadFileReadsEveryAction(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "users.json", `[{"id":1}]`)
	path := writeFile(t, dir, "rules.yaml", `
# a comment
- name: users
  match: ~d api.test & ~u /users
  mock:
    status: 201
    headers:
      X-Mock: ["a", "b"]
    file: users.json
    delay: 300ms
- name: staging
  match: ~d api.test
  map-remote: https://staging.test:8443/v2
- name: fake prices
  match: ~d shop.test
  enabled: false
  rewrite:
    request:
      set-headers: {X-Debug: "1"}
      remove-headers: Cookie
    response:
      status: 299
      body-replace:
        - {regex: '"price":\d+', replace: '"price":0'}
- name: ads
  match: ~d ads
  block: drop
- name: 3g
  match: ~all
  throttle: {latency: 100ms, bandwidth: 1.5mbit}
- name: login
  match: ~u /login
  breakpoint: both
`)
	rules, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []*Rule{
		{Name: "users", Match: "~d api.test & ~u /users", File: path, Line: 3,
			Mock: &Mock{Status: 201, Header: http.Header{"X-Mock": {"a", "b"}}, File: "users.json", Delay: 300 * time.Millisecond}},
		{Name: "staging", Match: "~d api.test", MapRemote: "https://staging.test:8443/v2", File: path, Line: 11},
		{Name: "fake prices", Match: "~d shop.test", Disabled: true, File: path, Line: 14, Rewrite: &Rewrite{
			Request:  &MessageRewrite{SetHeaders: http.Header{"X-Debug": {"1"}}, RemoveHeaders: []string{"Cookie"}},
			Response: &MessageRewrite{Status: 299, BodyReplace: []Replace{{Regex: `"price":\d+`, Replacement: `"price":0`}}},
		}},
		{Name: "ads", Match: "~d ads", Block: &Block{Drop: true}, File: path, Line: 25},
		{Name: "3g", Match: "~all", Throttle: &Throttle{Latency: 100 * time.Millisecond, Bandwidth: 1_500_000}, File: path, Line: 28},
		{Name: "login", Match: "~u /login", Breakpoint: BreakBoth, File: path, Line: 31},
	}
	if len(rules) != len(want) {
		t.Fatalf("got %d rules, want %d", len(rules), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(rules[i], want[i]) {
			t.Errorf("rule %d:\n got %+v\nwant %+v", i, rules[i], want[i])
		}
	}
}

func TestLoadFileEmptyAndMissing(t *testing.T) {
	dir := t.TempDir()
	for _, content := range []string{"", "# only a comment\n", "[]\n"} {
		rules, err := LoadFile(writeFile(t, dir, "empty.yaml", content))
		if err != nil || len(rules) != 0 {
			t.Errorf("%q: rules %v, err %v", content, rules, err)
		}
	}
	_, err := LoadFile(filepath.Join(dir, "absent.yaml"))
	if err == nil || !os.IsNotExist(unwrapAll(err)) || !strings.Contains(err.Error(), "absent.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			return err
		}
		err = u.Unwrap()
	}
}

func TestMarshalRoundTrips(t *testing.T) {
	dir := t.TempDir()
	src := `
- name: users
  match: ~d api.test
  mock:
    status: 200
    headers: {Content-Type: application/json, X-Two: [a, b]}
    body: '{"ok":true}'
    delay: 1.5s
- name: fake prices
  match: ~d shop.test
  enabled: false
  rewrite:
    request: {set-headers: {X-Debug: "1"}, remove-headers: [Cookie, X-Other]}
    response:
      status: 418
      body-replace: [{regex: 'a(b)', replace: '$1'}]
- name: slow
  match: ~all
  throttle: {latency: 20ms, bandwidth: 64kbit}
- name: ads
  match: ~d ads
  block: 451
- name: drop
  match: ~d evil
  block: drop
- name: remote
  match: ~d api
  map-remote: http://127.0.0.1:9/p
- name: bp
  match: ~u /login
  breakpoint: response
- name: hold messages
  match: ~websocket & ~bq x
  breakpoint: messages
- name: no pings
  match: ~bs ping
  block: messages
- name: ws rewrite
  match: ~d chat
  rewrite:
    response: {set-headers: {X-A: b}}
    messages: {body-replace: [{regex: 'a+', replace: b}], direction: down}
- name: ws rewrite both
  match: ~d chat
  rewrite:
    messages: {body-replace: [{regex: x, replace: y}]}
`
	rules, err := Parse([]byte(src), "in.yaml", dir)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(rules)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(out, "in.yaml", dir)
	if err != nil {
		t.Fatalf("marshalled rules do not parse: %v\n%s", err, out)
	}
	for i := range rules {
		rules[i].Line, again[i].Line = 0, 0
		if !reflect.DeepEqual(rules[i], again[i]) {
			t.Errorf("rule %d changed:\n was %+v\n now %+v\n%s", i, rules[i], again[i], out)
		}
	}
}
