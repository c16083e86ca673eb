package intercept

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultTimeout is how long a breakpoint holds a flow nobody resolves.
const DefaultTimeout = 5 * time.Minute

// Config configures an Engine.
type Config struct {
	// Timeout releases a paused flow nobody resolved, as if resumed, with
	// a note on the flow. Zero means DefaultTimeout.
	Timeout time.Duration
	// MockOnly answers every request that no mock, block or map-remote
	// rule handles with a 502 naming the closest rule, so that a test
	// suite never reaches the real network.
	MockOnly bool
}

// Engine holds the rules and decides, per flow and phase, what happens to
// HTTP flows: it is the proxy's Decider. It also keeps the queue of flows
// paused at breakpoints, which a UI lists and resolves.
//
// An Engine is safe for concurrent use. Rules are swapped atomically: a
// decision sees either the old rule set or the new one, never a mix.
//
// Rules come from files (LoadFiles, then Reload or Watch) and from AddRule;
// file rules come first, in the order of the files, then added rules. Each
// rule has an ID (file#name) that survives reloads, and so do its hit
// count and a state set with SetEnabled.
type Engine struct {
	cfg Config

	mu        sync.Mutex // serialises changes to files, added and the set
	files     []*ruleFile
	added     []*compiled
	overrides map[string]bool          // by rule ID: enabled set at run time
	hits      map[string]*atomic.Int64 // by rule ID, kept across reloads

	set          atomic.Pointer[ruleSet]
	intercepting atomic.Bool
	breakOn      atomic.Pointer[breakFilter]

	queue   queue
	msgs    messageQueue // WebSocket messages held at breakpoints
	changed chan struct{}
}

// ruleFile is one rules file and the last rules read from it without error.
type ruleFile struct {
	path   string
	rules  []*compiled
	stamps map[string]stamp // the file and its mock files, as last loaded
	err    error            // the last reload's mistakes; nil when rules are current
}

// ruleSet is the immutable list of rules decisions are made with.
type ruleSet struct {
	rules    []*compiled
	msgRules []*compiled // those that act on WebSocket messages
}

// New returns an Engine without rules, with interception on.
func New(cfg Config) *Engine {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	e := &Engine{
		cfg:       cfg,
		overrides: map[string]bool{},
		hits:      map[string]*atomic.Int64{},
		changed:   make(chan struct{}, 1),
	}
	e.queue.byID = map[string]*pending{}
	e.msgs.byID, e.msgs.breaking = map[string]*pendingMessage{}, map[string]bool{}
	e.intercepting.Store(true)
	e.set.Store(&ruleSet{})
	return e
}

// LoadFiles reads rules files, replacing the files the Engine had. It is
// all or nothing: if any file has a mistake, the error lists every one
// (each a *FileError, FILE:LINE: what is wrong) and the Engine keeps the
// rules it had.
func (e *Engine) LoadFiles(paths ...string) error {
	var errs []error
	files := make([]*ruleFile, 0, len(paths))
	for _, p := range paths {
		before := statFile(p)
		cs, deps, err := loadFile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rf := &ruleFile{path: p, rules: cs, stamps: stampsOf(p, deps)}
		rf.stamps[p] = before
		files = append(files, rf)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	e.mu.Lock()
	e.files = files
	e.publish()
	e.mu.Unlock()
	return nil
}

// Reload reads every rules file again. A file with a mistake keeps the
// rules it had; the error joins the mistakes of all such files.
func (e *Engine) Reload() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var errs []error
	for _, rf := range e.files {
		if err := e.reloadLocked(rf); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (e *Engine) reloadLocked(rf *ruleFile) error {
	// Stat before reading: a change made while the file is read is seen
	// on the next look.
	before := statFile(rf.path)
	cs, deps, err := loadFile(rf.path)
	// Either way, the next reload waits for the next change.
	rf.stamps = stampsOf(rf.path, deps)
	rf.stamps[rf.path] = before
	if err != nil {
		rf.err = err
		e.notify() // LoadErrors changed: a UI says so
		return err
	}
	rf.rules, rf.err = cs, nil
	e.publish()
	return nil
}

// LoadErrors returns the mistakes that kept each rules file from being
// reloaded, for a UI to show; empty when every file's rules are current.
func (e *Engine) LoadErrors() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []error
	for _, rf := range e.files {
		if rf.err != nil {
			out = append(out, rf.err)
		}
	}
	return out
}

// publish builds the rule set from files and added rules, carrying hit
// counts and run-time states over by ID. e.mu is held.
func (e *Engine) publish() {
	var rules []*compiled
	for _, rf := range e.files {
		rules = append(rules, rf.rules...)
	}
	rules = append(rules, e.added...)
	for _, c := range rules {
		h, ok := e.hits[c.id]
		if !ok {
			h = c.hits
			e.hits[c.id] = h
		}
		c.hits = h
		if on, ok := e.overrides[c.id]; ok {
			c.enabled.Store(on)
		}
	}
	set := &ruleSet{rules: rules}
	for _, c := range rules {
		if c.actsOnMessages() {
			set.msgRules = append(set.msgRules, c)
		}
	}
	e.set.Store(set)
	e.notify()
}

// Changed returns a channel that receives a value after the paused flows
// or the rules changed, or a rules file failed to reload (see LoadErrors).
// Signals coalesce; the channel is never closed.
func (e *Engine) Changed() <-chan struct{} { return e.changed }

func (e *Engine) notify() {
	select {
	case e.changed <- struct{}{}:
	default:
	}
}

// Timeout is how long a breakpoint holds a flow nobody resolves.
func (e *Engine) Timeout() time.Duration { return e.cfg.Timeout }

// MockOnly reports whether unmatched requests are refused.
func (e *Engine) MockOnly() bool { return e.cfg.MockOnly }

// hit counts one action of c.
func (c *compiled) hit() { c.hits.Add(1) }

var (
	_ Decider        = (*Engine)(nil)
	_ BodyWanter     = (*Engine)(nil)
	_ MessageDecider = (*Engine)(nil)
)
