package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/ui"
)

// rulesReloadInterval is how often the rules files are checked for changes.
const rulesReloadInterval = time.Second

func (o *proxyOptions) registerRules(fs *flag.FlagSet) {
	fs.Var(&o.rules, "rules", "rules file (YAML) that mocks, maps, rewrites, blocks, throttles or pauses flows; reloaded when it changes (repeatable)")
	fs.BoolVar(&o.mockOnly, "mock-only", false, "answer every request no mock, block or map-remote rule handles with 502, naming the closest rule")
	o.interceptTimeout = intercept.DefaultTimeout
	fs.Var((*positiveDuration)(&o.interceptTimeout), "intercept-timeout", "how long a breakpoint holds a flow before releasing it (a positive `duration`)")
}

// positiveDuration is a duration flag that refuses zero and negative
// values, which would release paused flows at once.
type positiveDuration time.Duration

func (d *positiveDuration) String() string { return time.Duration(*d).String() }

func (d *positiveDuration) Set(v string) error {
	n, err := time.ParseDuration(v)
	if err != nil {
		return errors.New("want a duration such as 30s or 5m")
	}
	if n <= 0 {
		return errors.New("must be positive, such as 30s or 5m")
	}
	*d = positiveDuration(n)
	return nil
}

// engineConfig is the rules engine's configuration from the flags; a zero
// timeout (options not registered as flags) is the default.
func (o *proxyOptions) engineConfig() intercept.Config {
	return intercept.Config{Timeout: o.interceptTimeout, MockOnly: o.mockOnly}
}

// loadRules reads the --rules files; it returns nil without them. A
// mistake in a file is a usage error naming the file and line.
func (o *proxyOptions) loadRules() (*intercept.Engine, error) {
	if len(o.rules) == 0 {
		if o.mockOnly {
			return nil, usagef("--mock-only needs --rules FILE (without rules every request would be refused)")
		}
		return nil, nil
	}
	e := intercept.New(o.engineConfig())
	if err := e.LoadFiles(o.rules...); err != nil {
		return nil, usagef("%v", err)
	}
	return e, nil
}

// decider is what the proxy asks about each flow: server replay first,
// then the rules engine; nil (not a typed nil) without either.
func (c *checked) decider() intercept.Decider {
	var ds []intercept.Decider
	if c.replayer != nil {
		ds = append(ds, c.replayer)
	}
	if c.engine != nil {
		ds = append(ds, c.engine)
	}
	switch len(ds) {
	case 0:
		return nil
	case 1:
		return ds[0]
	}
	return intercept.Chain(ds...)
}

// announceRules says which rules are in force, and warns about breakpoints
// that only a timeout can release when nobody is there to resume them.
func announceRules(w io.Writer, o *proxyOptions, e *intercept.Engine, headless bool) {
	if e == nil || len(o.rules) == 0 { // no --rules: an engine of its own for MCP agents' rules
		return
	}
	rules := e.Rules()
	var breakpoints []string
	for _, r := range rules {
		if r.Rule.Breakpoint != intercept.NoBreakpoint && r.Enabled {
			breakpoints = append(breakpoints, r.Rule.Name)
		}
	}
	fmt.Fprintf(w, "siphon: %s from %s\n", ui.Count(len(rules), "rule"), strings.Join(o.rules, ", "))
	if o.mockOnly {
		fmt.Fprintln(w, "siphon: --mock-only: requests no rule answers get 502")
	}
	if headless && len(breakpoints) > 0 {
		fmt.Fprintf(w, "siphon: warning: breakpoint rules (%s) hold their flows for --intercept-timeout (%v): nobody can resume them here\n",
			strings.Join(breakpoints, ", "), o.interceptTimeout)
	}
}

// watchRules reloads the rules files when they change until ctx is done,
// telling w about each reload (a bad edit keeps the old rules); the
// returned stop ends the watch and waits for it.
func watchRules(ctx context.Context, e *intercept.Engine, w io.Writer, log *slog.Logger) (stop func()) {
	if e == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Watch(ctx, rulesReloadInterval, func(file string, err error) {
			if err != nil {
				log.Warn("rules reload", "file", file, "err", err)
				fmt.Fprintf(w, "siphon: rules not reloaded, the previous ones stay in force:\n%v\n", err)
				return
			}
			log.Info("rules reloaded", "file", file)
			fmt.Fprintf(w, "siphon: reloaded rules from %s\n", file)
		})
	}()
	return func() {
		cancel()
		<-done
	}
}
