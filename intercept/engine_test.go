package intercept

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/internal/testutil"
)

const twoRules = `
- name: one
  match: ~d one.test
  block: 403
- name: two
  match: ~d two.test
  block: 404
`

func TestLoadFilesIsAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.yaml", twoRules)
	bad := writeFile(t, dir, "bad.yaml", "- name: x\n  match: ~all\n  bock: 1\n")
	e := New(Config{})
	if err := e.LoadFiles(good); err != nil {
		t.Fatal(err)
	}
	err := e.LoadFiles(good, bad)
	fes := fileErrors(t, err)
	if fes[0].File != bad || fes[0].Line != 3 {
		t.Errorf("error %v, want %s:3", err, bad)
	}
	if got := ruleNames(e); !reflect.DeepEqual(got, []string{"one", "two"}) {
		t.Errorf("rules after a failed load: %v", got)
	}
}

func TestReloadKeepsOldRulesOnError(t *testing.T) {
	e, path := engineWith(t, Config{}, twoRules)
	decideStatus := func(url string) int {
		d := decide(e, RequestPhase, request("GET", url))
		if d.Response == nil {
			return 0
		}
		return d.Response.Status
	}
	if s := decideStatus("http://one.test/"); s != 403 {
		t.Fatalf("before reload: %d", s)
	}
	for _, bad := range []string{
		"- name: one\n  match: ~d one.test\n  block: 403\n  mock: {}\n", // two actions
		"- name: one\n  match: (~d one.test\n  block: 403\n",            // bad filter
		"- name: one\n  match: ~all\n  mock: {file: gone.json}\n",       // missing mock file
		"- [\n", // YAML
	} {
		writeFile(t, filepath.Dir(path), "rules.yaml", bad)
		err := e.Reload()
		fes := fileErrors(t, err)
		if fes[0].File != path || fes[0].Line < 1 {
			t.Errorf("reload error %v does not name %s and a line", err, path)
		}
		if got := ruleNames(e); !reflect.DeepEqual(got, []string{"one", "two"}) {
			t.Errorf("rules after a bad reload: %v", got)
		}
		if s := decideStatus("http://two.test/"); s != 404 {
			t.Errorf("old rule two stopped working after a bad reload: %d", s)
		}
		if errs := e.LoadErrors(); len(errs) != 1 || errs[0].Error() != err.Error() {
			t.Errorf("LoadErrors %v, want %v", errs, err)
		}
	}
	writeFile(t, filepath.Dir(path), "rules.yaml", "- name: three\n  match: ~d one.test\n  block: 410\n")
	if err := e.Reload(); err != nil {
		t.Fatal(err)
	}
	if s := decideStatus("http://one.test/"); s != 410 {
		t.Errorf("after a good reload: %d", s)
	}
	if errs := e.LoadErrors(); len(errs) != 0 {
		t.Errorf("LoadErrors after a good reload: %v", errs)
	}
}

func TestWatchReloadsChangedFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "body.txt", "first")
	path := writeFile(t, dir, "rules.yaml", "- name: m\n  match: ~all\n  mock: {file: body.txt}\n")
	e := New(Config{})
	if err := e.LoadFiles(path); err != nil {
		t.Fatal(err)
	}
	type report struct {
		file string
		err  error
	}
	reports := make(chan report, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Watch(ctx, 5*time.Millisecond, func(file string, err error) { reports <- report{file, err} })
	}()
	defer func() { cancel(); <-done }()
	next := func() report {
		t.Helper()
		return testutil.Receive(t, reports, "reload")
	}
	body := func() string {
		d := decide(e, RequestPhase, request("GET", "http://x.test/"))
		return string(d.Response.Body.Data)
	}

	// A changed mock file is a change of the rules.
	writeFile(t, dir, "body.txt", "second!")
	if r := next(); r.err != nil || r.file != path {
		t.Fatalf("reload: %+v", r)
	}
	if got := body(); got != "second!" {
		t.Errorf("mock body after its file changed: %q", got)
	}
	// A bad edit is reported and the old rules stay.
	writeFile(t, dir, "rules.yaml", "- name: m\n  match: ~all\n  mock: {file: missing.txt}\n")
	r := next()
	if r.err == nil || !strings.Contains(r.err.Error(), path+":3: mock file") {
		t.Fatalf("bad reload report: %+v", r)
	}
	if got := body(); got != "second!" {
		t.Errorf("rules changed after a bad reload: %q", got)
	}
	// The missing file appearing fixes the rules without touching them.
	writeFile(t, dir, "missing.txt", "third")
	if r := next(); r.err != nil {
		t.Fatalf("reload after the mock file appeared: %v", r.err)
	}
	if got := body(); got != "third" {
		t.Errorf("mock body: %q", got)
	}
	// Removing the rules file keeps the rules and says so.
	os.Remove(path)
	if r := next(); r.err == nil || !os.IsNotExist(unwrapAll(r.err)) {
		t.Fatalf("report for a removed file: %+v", r)
	}
	if got := body(); got != "third" {
		t.Errorf("rules after the file was removed: %q", got)
	}
}

func TestToggleAddSaveRules(t *testing.T) {
	e, path := engineWith(t, Config{}, twoRules)
	id := path + "#one"
	on, err := e.Toggle(id)
	if err != nil || on {
		t.Fatalf("Toggle: %v %v", on, err)
	}
	if d := decide(e, RequestPhase, request("GET", "http://one.test/")); d.Action != Pass {
		t.Errorf("disabled rule acted: %v", d.Action)
	}
	// The run-time choice survives a reload of the file.
	if err := e.Reload(); err != nil {
		t.Fatal(err)
	}
	if rs := e.Rules(); rs[0].ID != id || rs[0].Enabled {
		t.Errorf("after reload: %+v", rs[0])
	}
	if _, err := e.Toggle("nope#x"); err == nil {
		t.Error("Toggle of an unknown rule succeeded")
	}

	if _, err := e.AddRule(&Rule{Name: "bad", Match: "~zz", Block: &Block{Status: 403}}); err == nil || !strings.Contains(err.Error(), "~zz") {
		t.Errorf("AddRule of a bad rule: %v", err)
	}
	added, err := e.AddRule(&Rule{Name: "teapot", Match: "~d tea.test", Mock: &Mock{Status: 418, Body: "short and stout"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.AddRule(&Rule{Name: "teapot", Match: "~all", Block: &Block{Drop: true}}); err == nil {
		t.Error("a second added rule with the same name was accepted")
	}
	if _, err := e.AddRule(&Rule{Name: "quiet", Match: "~d q.test", Block: &Block{Drop: true}}); err != nil {
		t.Fatal(err)
	}
	e.SetEnabled("#quiet", false)
	d := decide(e, RequestPhase, request("GET", "http://tea.test/pot"))
	if d.Action != Answer || d.Response.Status != 418 {
		t.Fatalf("added rule: %+v", d)
	}
	rs := e.Rules()
	if len(rs) != 4 || rs[2].ID != added || !rs[2].Added || rs[2].Hits != 1 || rs[0].Added {
		t.Errorf("Rules: %+v", rs)
	}

	out := filepath.Join(t.TempDir(), "saved.yaml")
	if err := e.SaveRules(out); err != nil {
		t.Fatal(err)
	}
	saved, err := LoadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(saved) != 2 || saved[0].Name != "teapot" || saved[0].Mock.Body != "short and stout" || !saved[1].Disabled {
		t.Errorf("saved rules: %+v %+v", saved[0], saved[1])
	}
	if err := e.RemoveRule(added); err != nil {
		t.Fatal(err)
	}
	if err := e.RemoveRule(path + "#two"); err == nil {
		t.Error("RemoveRule removed a file rule")
	}
	if got := ruleNames(e); !reflect.DeepEqual(got, []string{"one", "two", "quiet"}) {
		t.Errorf("after RemoveRule: %v", got)
	}
}

func TestHitsSurviveReload(t *testing.T) {
	e, _ := engineWith(t, Config{}, twoRules)
	for range 3 {
		decide(e, RequestPhase, request("GET", "http://two.test/"))
	}
	if err := e.Reload(); err != nil {
		t.Fatal(err)
	}
	decide(e, RequestPhase, request("GET", "http://two.test/"))
	if rs := e.Rules(); rs[1].Hits != 4 || rs[0].Hits != 0 {
		t.Errorf("hits: one %d, two %d; want 0 and 4", rs[0].Hits, rs[1].Hits)
	}
}
