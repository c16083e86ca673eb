package intercept

import (
	"context"
	"os"
	"time"
)

// stamp is what a file looked like when it was last read: a change of
// size, modification time or identity (an editor that saves by renaming a
// new file over the old one) means it must be read again.
type stamp struct {
	info os.FileInfo // nil when the file did not exist
}

func statFile(path string) stamp {
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{}
	}
	return stamp{info: fi}
}

func (s stamp) same(o stamp) bool {
	if s.info == nil || o.info == nil {
		return s.info == nil && o.info == nil
	}
	return s.info.Size() == o.info.Size() && s.info.ModTime().Equal(o.info.ModTime()) && os.SameFile(s.info, o.info)
}

// stampsOf records the rules file and the mock files its rules name.
func stampsOf(path string, deps []string) map[string]stamp {
	m := map[string]stamp{path: statFile(path)}
	for _, dep := range deps {
		m[dep] = statFile(dep)
	}
	return m
}

// Watch reloads rules files when they, or the mock files their rules
// read, change on disk, looking every interval until ctx is done. A file
// that fails to load keeps its old rules and is retried on its next
// change. report, if not nil, is called after each reload attempt with the
// file and its error (nil when the new rules are in force); it runs on
// Watch's goroutine.
func (e *Engine) Watch(ctx context.Context, interval time.Duration, report func(file string, err error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			e.reloadChanged(report)
		}
	}
}

// reloadChanged reloads the files that changed since they were last read.
func (e *Engine) reloadChanged(report func(string, error)) {
	type result struct {
		file string
		err  error
	}
	var results []result
	e.mu.Lock()
	for _, rf := range e.files {
		if !rf.changed() {
			continue
		}
		results = append(results, result{rf.path, e.reloadLocked(rf)})
	}
	e.mu.Unlock()
	if report != nil {
		for _, r := range results {
			report(r.file, r.err)
		}
	}
}

func (rf *ruleFile) changed() bool {
	for path, st := range rf.stamps {
		if !st.same(statFile(path)) {
			return true
		}
	}
	return false
}
