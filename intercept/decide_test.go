package intercept

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
)

const actionRules = `
- name: add header
  match: ~d api.test
  rewrite:
    request:
      set-headers: {X-Debug: "1"}
      remove-headers: [Cookie]
- name: users
  match: ~d api.test & ~u /users
  mock:
    status: 200
    body: '[{"id":1}]'
    delay: 250ms
- name: shadowed
  match: ~d api.test & ~u /users
  block: 500
- name: second header
  match: ~d api.test
  rewrite:
    request:
      set-headers: {X-Debug: "2", X-Order: second}
- name: staging
  match: ~d api.test
  map-remote: https://staging.test:8443/v2/
- name: slow
  match: ~d api.test
  throttle: {latency: 10ms, bandwidth: 1mbit}
- name: slower
  match: ~all
  throttle: {latency: 1s}
- name: ads
  match: ~d ads.test
  block: 403
- name: tracker
  match: ~d track.test
  block: drop
- name: prices
  match: ~d api.test & ~c 200
  rewrite:
    response:
      status: 203
      set-headers: {X-Rewritten: "yes"}
      remove-headers: [Server]
      body-replace:
        - {regex: '"price":\d+', replace: '"price":0'}
        - {regex: 'USD', replace: 'EUR'}
`

func TestDecideMockWinsAndRewritesApplyInOrder(t *testing.T) {
	e, _ := engineWith(t, Config{}, actionRules)
	f := request("GET", "http://api.test/users?page=2", "Cookie: a=1", "Accept: */*")
	d := decide(e, RequestPhase, f)
	if d.Action != Answer || d.Response.Status != 200 || string(d.Response.Body.Data) != `[{"id":1}]` || d.Delay != 250*time.Millisecond {
		t.Fatalf("mock decision: %+v", d)
	}
	if ct := d.Response.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("mock content type %q", ct)
	}
	if d.Request == nil || d.Request.Header.Get("X-Debug") != "2" || d.Request.Header.Get("X-Order") != "second" || d.Request.Header.Get("Cookie") != "" {
		t.Errorf("rewrites in file order: %+v", d.Request)
	}
	if f.Request.Header.Get("Cookie") != "a=1" || f.Request.Header.Get("X-Debug") != "" {
		t.Error("Decide changed the flow it was given")
	}
	if d.Throttle == nil || d.Throttle.Latency != 10*time.Millisecond || d.Throttle.Bandwidth != 1e6 {
		t.Errorf("first throttle wins: %+v", d.Throttle)
	}
	if !strings.Contains(d.Note, `mocked by rule "users"`) {
		t.Errorf("note %q", d.Note)
	}
	hits := map[string]int64{}
	for _, r := range e.Rules() {
		hits[r.Rule.Name] = r.Hits
	}
	want := map[string]int64{"add header": 1, "users": 1, "shadowed": 0, "second header": 1, "staging": 0, "slow": 1, "slower": 0, "ads": 0, "tracker": 0, "prices": 0}
	for name, n := range want {
		if hits[name] != n {
			t.Errorf("hits of %q: %d, want %d", name, hits[name], n)
		}
	}
}

func TestDecideMapRemote(t *testing.T) {
	e, _ := engineWith(t, Config{}, actionRules)
	d := decide(e, RequestPhase, request("POST", "http://api.test/orders/7?x=1%202"))
	if d.Action != Pass || d.Request == nil {
		t.Fatalf("map-remote: %+v", d)
	}
	if d.Request.URL != "https://staging.test:8443/v2/orders/7?x=1%202" {
		t.Errorf("mapped URL %q", d.Request.URL)
	}
	if d.Request.Method != "POST" || d.Request.Header.Get("X-Debug") != "2" {
		t.Errorf("mapped request lost its method or rewrites: %+v", d.Request)
	}
}

func TestDecideBlock(t *testing.T) {
	e, _ := engineWith(t, Config{}, actionRules)
	d := decide(e, RequestPhase, request("GET", "http://ads.test/banner.js"))
	if d.Action != Answer || d.Response.Status != 403 || !strings.Contains(string(d.Response.Body.Data), `blocked by rule "ads"`) {
		t.Errorf("block 403: %+v", d)
	}
	d = decide(e, RequestPhase, request("GET", "http://track.test/pixel"))
	if d.Action != Drop || d.Err == nil || d.Err.Phase != session.PhaseIntercept || !strings.Contains(d.Err.Msg, `"tracker"`) {
		t.Errorf("block drop: %+v", d)
	}
}

func TestDecideResponseRewrite(t *testing.T) {
	e, _ := engineWith(t, Config{}, actionRules)
	gz := testutil.Gzip(`{"price":42,"currency":"USD"}`)
	f := withResponse(request("GET", "http://api.test/cart"), 200, string(gz), "Content-Encoding: gzip", "Server: origin", "Content-Length: 99")
	d := decide(e, ResponsePhase, f)
	r := d.Response
	if d.Action != Pass || r == nil {
		t.Fatalf("response rewrite: %+v", d)
	}
	if r.Status != 203 || r.Reason != "Non-Authoritative Information" || r.Header.Get("X-Rewritten") != "yes" || r.Header.Get("Server") != "" {
		t.Errorf("status and headers: %d %q %v", r.Status, r.Reason, r.Header)
	}
	if string(r.Body.Data) != `{"price":0,"currency":"EUR"}` || r.Header.Get("Content-Encoding") != "" || r.Header.Get("Content-Length") != "28" {
		t.Errorf("body %q, headers %v", r.Body.Data, r.Header)
	}
	// A response the rule's expression does not match is left alone.
	if d := decide(e, ResponsePhase, withResponse(request("GET", "http://api.test/cart"), 404, "")); !d.plain() {
		t.Errorf("404 was rewritten: %+v", d)
	}
	// A body beyond the capture limit is not replaced, and the flow says so.
	big := withResponse(request("GET", "http://api.test/cart"), 200, `"price":1`)
	big.Response.Body.Truncated = true
	d = decide(e, ResponsePhase, big)
	if string(d.Response.Body.Data) != `"price":1` || !strings.Contains(d.Note, "body not replaced") || d.Response.Status != 203 {
		t.Errorf("truncated body: %+v note %q", d.Response, d.Note)
	}
}

func TestMockOnlyRefusesNamingTheClosestRule(t *testing.T) {
	e, path := engineWith(t, Config{MockOnly: true}, `
- name: weather
  match: ~d weather.test & ~u /forecast
  mock: {body: sunny}
- name: users list
  match: ~d api.test & ~u /v1/users & ~m GET
  mock: {body: "[]"}
- name: slow
  match: ~all
  throttle: {latency: 1ms}
`)
	if d := decide(e, RequestPhase, request("GET", "http://weather.test/forecast")); d.Action != Answer || string(d.Response.Body.Data) != "sunny" {
		t.Fatalf("a mocked request: %+v", d)
	}
	d := decide(e, RequestPhase, request("GET", "http://api.test/v2/users"))
	if d.Action != Answer || d.Response.Status != 502 {
		t.Fatalf("unmatched request under --mock-only: %+v", d)
	}
	body := string(d.Response.Body.Data)
	if !strings.Contains(body, "no rule answers GET http://api.test/v2/users") || !strings.Contains(body, `closest rule: "users list" (`+path+`:5)`) {
		t.Errorf("body:\n%s", body)
	}
	if d.Err == nil || d.Err.Phase != session.PhaseIntercept || !strings.Contains(d.Err.Msg, `closest rule "users list"`) {
		t.Errorf("flow error: %+v", d.Err)
	}
	// Without rules, the refusal says so.
	bare := New(Config{MockOnly: true})
	d = decide(bare, RequestPhase, request("GET", "http://api.test/"))
	if d.Response.Status != 502 || !strings.Contains(string(d.Response.Body.Data), "no mock, block or map-remote rule is loaded") {
		t.Errorf("no rules: %s", d.Response.Body.Data)
	}
}

func TestWantsBody(t *testing.T) {
	e, _ := engineWith(t, Config{}, `
- name: body rewrite
  match: ~d a.test
  rewrite: {request: {body-replace: [{regex: x, replace: y}]}}
- name: header rewrite
  match: ~d b.test
  rewrite: {request: {set-headers: {X: "1"}}}
- name: body match
  match: ~bq secret
  block: 403
- name: bp
  match: ~d c.test
  breakpoint: response
`)
	cases := []struct {
		phase Phase
		url   string
		want  bool
	}{
		{RequestPhase, "http://a.test/", true},
		{RequestPhase, "http://b.test/", true}, // the ~bq rule reads every request body
		{ResponsePhase, "http://b.test/", false},
		{ResponsePhase, "http://c.test/", true},
	}
	for _, tc := range cases {
		f := request("POST", tc.url)
		if tc.phase == ResponsePhase {
			withResponse(f, 200, "")
		}
		if got := e.WantsBody(tc.phase, f); got != tc.want {
			t.Errorf("WantsBody(%v, %s) = %v, want %v", tc.phase, tc.url, got, tc.want)
		}
	}
	e.SetIntercepting(false)
	if e.WantsBody(ResponsePhase, withResponse(request("GET", "http://c.test/"), 200, "")) {
		t.Error("a breakpoint wants bodies while interception is off")
	}
}

func TestChainFirstDecisionWins(t *testing.T) {
	e, _ := engineWith(t, Config{MockOnly: true}, "- name: m\n  match: ~d known.test\n  mock: {body: from-rules}\n")
	replayer := DeciderFunc(func(ctx context.Context, phase Phase, f *session.Flow) Decision {
		if phase == RequestPhase && strings.Contains(f.Request.URL, "recorded.test") {
			return Decision{Action: Answer, Source: session.Replay, Response: textResponse(200, "from-session")}
		}
		return Decision{}
	})
	c := Chain(replayer, e)
	if d := c.Decide(context.Background(), RequestPhase, request("GET", "http://recorded.test/")); d.Source != session.Replay || string(d.Response.Body.Data) != "from-session" {
		t.Errorf("replayed: %+v", d)
	}
	if d := c.Decide(context.Background(), RequestPhase, request("GET", "http://known.test/")); string(d.Response.Body.Data) != "from-rules" {
		t.Errorf("mocked: %+v", d)
	}
	if d := c.Decide(context.Background(), RequestPhase, request("GET", "http://other.test/")); d.Response.Status != 502 {
		t.Errorf("refused: %+v", d)
	}
	if w, ok := c.(BodyWanter); !ok || w.WantsBody(RequestPhase, request("GET", "http://known.test/")) {
		t.Error("chain's WantsBody")
	}
}
