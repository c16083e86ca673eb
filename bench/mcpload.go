package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/siphonproxy/siphon/bench/internal/load"
	"github.com/siphonproxy/siphon/bench/internal/origin"
)

// mcpLoadScenario is http-c32's load (HTTP keep-alive /small, 32
// workers) through siphon dump --mcp, once alone and once while
// plan.mcpCallers MCP clients (the go-sdk's, over streamable HTTP with
// the bearer token siphon printed) loop list_flows then get_body on one
// of the flows listed, as agents reading the live session would (issue
// 16: the proxy keeps ≥ 0.9× its throughput without them).
func mcpLoadScenario() *scenario {
	return &scenario{
		key: "mcp-load", title: "HTTP keep-alive /small, c=32, MCP callers", mcp: true,
		metrics: []metric{
			{key: "rps", label: "req/s", prec: 0, vs: ratio, targets: []target{{
				text: "≥ 0.9× without callers",
				met: func(col, _ map[mode]float64) (bool, bool) {
					w, ok1 := col[mcpCallers]
					wo, ok2 := col[siphon]
					return w >= 0.9*wo, ok1 && ok2
				},
			}}},
			p50Metric, p99Metric, cpuMetric,
			{key: "calls", label: "MCP calls", unit: "calls/s", prec: 0, only: mcpCallers},
		},
		run: func(ctx context.Context, e *env, l *leg, rep int) (measurement, error) {
			var cs *callers
			if l.mode == mcpCallers {
				var err error
				if cs, err = startCallers(ctx, l.proc, e.plan.mcpCallers); err != nil {
					return measurement{}, err
				}
			}
			r, err := load.Run(ctx, l.target, load.Config{URL: e.origin.HTTPURL + "/small", Concurrency: 32,
				Warmup: e.plan.warmup, Duration: e.plan.duration, WantBytes: origin.SmallSize})
			var calls int
			var took time.Duration
			var callErrs []error
			if cs != nil {
				calls, took, callErrs = cs.stop()
			}
			if err != nil {
				return measurement{}, err
			}
			m := fromResult(r)
			m.values["rps"] = r.RPS()
			m.values["p50"] = ms(r.Percentile(50))
			m.values["p99"] = ms(r.Percentile(99))
			if cs != nil {
				if calls == 0 || took <= 0 {
					return m, fmt.Errorf("MCP callers made no call: %w", errors.Join(callErrs...))
				}
				m.values["calls"] = float64(calls) / took.Seconds()
				m.errors += len(callErrs)
				if len(callErrs) > 0 && m.firstErr == "" {
					m.firstErr = "MCP: " + callErrs[0].Error()
				}
			}
			return m, nil
		},
	}
}

// callers are MCP clients calling a live siphon in a loop.
type callers struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	began  time.Time
	mu     sync.Mutex
	calls  int
	errs   []error // tool and protocol errors, at most one per caller
}

// startCallers connects n MCP clients to p's MCP server and starts their
// loops; every client is connected when it returns.
func startCallers(ctx context.Context, p *proxyProc, n int) (*callers, error) {
	if p == nil || p.mcpURL == "" || p.mcpToken == "" {
		return nil, errors.New("siphon announced no MCP server URL and token")
	}
	ctx, cancel := context.WithCancel(ctx)
	cs := &callers{cancel: cancel}
	hc := &http.Client{Transport: bearer{token: p.mcpToken}}
	var sessions []*sdk.ClientSession
	for i := range n {
		cctx, ccancel := context.WithTimeout(ctx, 20*time.Second)
		s, err := sdk.NewClient(&sdk.Implementation{Name: "siphon-bench", Version: "1"}, nil).
			Connect(cctx, &sdk.StreamableClientTransport{Endpoint: p.mcpURL, HTTPClient: hc}, nil)
		ccancel()
		if err != nil {
			cancel()
			for _, s := range sessions {
				s.Close()
			}
			return nil, fmt.Errorf("MCP client %d: connect to %s: %w", i+1, p.mcpURL, err)
		}
		sessions = append(sessions, s)
	}
	cs.began = time.Now()
	for i, s := range sessions {
		cs.wg.Add(1)
		go func() {
			defer cs.wg.Done()
			defer s.Close()
			cs.loop(ctx, s, i)
		}()
	}
	return cs, nil
}

// stop ends the loops and returns the calls made, over how long, and the
// callers' errors.
func (cs *callers) stop() (int, time.Duration, []error) {
	took := time.Since(cs.began)
	cs.cancel()
	cs.wg.Wait()
	return cs.calls, took, cs.errs
}

// loop alternates list_flows (a page of 50, moving through the session)
// and get_body (the first 4 KiB of the response of one finished flow of
// the page)
// until ctx ends; its first failure ends it.
func (cs *callers) loop(ctx context.Context, s *sdk.ClientSession, i int) {
	offset := 0
	for k := 0; ctx.Err() == nil; k++ {
		var page struct {
			Total int `json:"total"`
			Flows []struct {
				ID    string `json:"id"`
				State string `json:"state"`
			} `json:"flows"`
		}
		err := call(ctx, s, "list_flows", map[string]any{"offset": offset, "limit": 50}, &page)
		if err == nil {
			cs.count()
			// A flow still pending has no body to read yet.
			var done []string
			for _, f := range page.Flows {
				if f.State == "done" {
					done = append(done, f.ID)
				}
			}
			if len(done) > 0 {
				id := done[(i+k)%len(done)]
				if err = call(ctx, s, "get_body", map[string]any{"id": id, "side": "response", "length": 4096}, nil); err == nil {
					cs.count()
				}
			}
		}
		if ctx.Err() != nil {
			return // stopped mid-call: not a failure
		}
		if err != nil {
			cs.mu.Lock()
			cs.errs = append(cs.errs, fmt.Errorf("caller %d: %w", i+1, err))
			cs.mu.Unlock()
			return
		}
		// Each caller reads its own part of the session, moving on.
		offset = (offset + 50*(i+1)) % max(page.Total-50, 1)
	}
}

func (cs *callers) count() {
	cs.mu.Lock()
	cs.calls++
	cs.mu.Unlock()
}

// call calls a tool and decodes its structured result into out (when not
// nil); a tool error is an error.
func call(ctx context.Context, s *sdk.ClientSession, name string, args map[string]any, out any) error {
	res, err := s.CallTool(ctx, &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if res.IsError {
		var msg string
		for _, c := range res.Content {
			if t, ok := c.(*sdk.TextContent); ok {
				msg += t.Text
			}
		}
		return fmt.Errorf("%s: tool error: %s", name, msg)
	}
	if out == nil {
		return nil
	}
	data, err := json.Marshal(res.StructuredContent)
	if err == nil {
		err = json.Unmarshal(data, out)
	}
	if err != nil {
		return fmt.Errorf("%s: decode result: %w", name, err)
	}
	return nil
}

// bearer sends the MCP server's token with every request.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}
