package intercept_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
)

// The shipped example loads, has one rule of each action, and acts.
func TestExamplesRulesFile(t *testing.T) {
	const path = "../examples/rules.yaml"
	e := intercept.New(intercept.Config{})
	if err := e.LoadFiles(path); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range e.Rules() {
		seen[r.Rule.Action()] = true
	}
	for _, a := range []string{"mock", "map-remote", "rewrite", "block", "throttle", "breakpoint"} {
		if !seen[a] {
			t.Errorf("%s has no %s rule", path, a)
		}
	}
	f := &session.Flow{ID: "1", Request: &session.Request{Method: "GET", URL: "https://api.example.com/v1/users", Header: http.Header{}}}
	d := e.Decide(context.Background(), intercept.RequestPhase, f)
	if d.Action != intercept.Answer || d.Response.Header.Get("Content-Type") != "application/json" || len(d.Response.Body.Data) == 0 {
		t.Errorf("users mock: %+v", d)
	}
}

func ExampleEngine() {
	rules, err := intercept.Parse([]byte(`
- name: teapot
  match: ~d coffee.example & ~m BREW
  mock: {status: 418, body: "I'm a teapot"}
`), "inline.yaml", ".")
	if err != nil {
		fmt.Println(err)
		return
	}
	e := intercept.New(intercept.Config{})
	e.AddRule(rules[0])
	f := &session.Flow{ID: "1", Request: &session.Request{Method: "BREW", URL: "http://coffee.example/pot", Header: http.Header{}}}
	d := e.Decide(context.Background(), intercept.RequestPhase, f)
	fmt.Println(d.Action, d.Response.Status, string(d.Response.Body.Data))
	// Output: answer 418 I'm a teapot
}

func ExampleParse_error() {
	_, err := intercept.Parse([]byte("- name: x\n  match: ~all\n  mok: {}\n"), "mocks.yaml", ".")
	fmt.Println(err)
	// Output: mocks.yaml:3: unknown action "mok" (did you mean mock?): a rule has name, match, enabled and one of breakpoint, mock, map-remote, rewrite, block, throttle
}

// Every rules snippet in the README's Rules section is a valid rules file.
func TestReadmeRuleSnippetsParse(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	start := strings.Index(text, "\n## Rules")
	end := strings.Index(text[start+1:], "\n## ")
	if start < 0 || end < 0 {
		t.Fatal("README has no Rules section")
	}
	section := text[start : start+1+end]
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "users.json"), []byte("[]"), 0o644)
	n := 0
	for _, block := range strings.Split(section, "```yaml\n")[1:] {
		snippet, _, _ := strings.Cut(block, "```")
		n++
		if _, err := intercept.Parse([]byte(snippet), "README.md", dir); err != nil {
			t.Errorf("README rules snippet %d: %v\n%s", n, err, snippet)
		}
	}
	if n < 6 {
		t.Errorf("only %d rules snippets in the README's Rules section", n)
	}
}
