package session

import (
	"cmp"
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// View is a filtered, sorted index over a Store's flows, kept for a UI that
// draws a window of it. Refresh brings it up to date incrementally: it
// re-examines only the flows added or changed since the previous Refresh,
// so with nothing new its cost is a walk over pointers, and a new flow
// costs one match and one insertion. A new matcher or sort order costs one
// pass over every flow.
//
// The flows a View returns are the store's own snapshots, shared and not
// copied, or built from its compact rows (compact.go) and sharing their
// header maps: callers must not modify them (Clone first, then
// Store.Update).
//
// All methods are safe for concurrent use. Refresh calls are serialised;
// Window, Len and Index read the result of the last completed Refresh and
// never wait for one in progress.
type View struct {
	s *Store

	refresh sync.Mutex // serialises Refresh; guards the build state below
	slots   []slot     // one per flow of the store's order, as last seen
	applied viewQuery  // the query slots and rows were built for
	built   bool
	cursor  uint64 // the store's journal, read up to here
	epoch   uint64 // in this epoch of the store's order

	mu      sync.Mutex
	want    viewQuery
	rows    []viewRow // sorted ascending by want.key at the time of the build
	reverse bool      // rows are presented last to first
	total   int
}

// ViewStats describes a View after a Refresh.
type ViewStats struct {
	Shown   int  // flows the matcher selects
	Total   int  // flows in the store
	Changed bool // the rows (or their snapshots) differ from the previous Refresh
}

// slot is what the view knows of one flow of the store's order.
type slot struct {
	e   *entry
	rev uint64  // the entry's version when it was matched
	key viewKey // its sort key then, when it matched
	hit bool    // it matched
}

// viewRow is one shown flow: the entry and the sort key of the snapshot
// it was sorted by, copied here so that sorting 100k rows touches only
// this slice.
type viewRow struct {
	e *entry
	viewKey
	seq int64
}

// viewKey is a flow's place in a sort order.
type viewKey struct {
	s string // the key of a text order
	n int64  // the key of a numeric order
}

func makeRow(key SortKey, e *entry, f *Flow) viewRow {
	r := viewRow{e: e, seq: f.Seq}
	switch key {
	case SortMethod:
		r.s = method(f)
	case SortURL:
		r.s = target(f)
	default:
		r.n = key.number(f)
	}
	return r
}

// compareRows orders rows as SortKey.compare orders their flows.
func compareRows(a, b viewRow) int {
	if c := strings.Compare(a.s, b.s); c != 0 {
		return c
	}
	if c := cmp.Compare(a.n, b.n); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

type viewQuery struct {
	m       Matcher
	gen     int // counts SetMatcher calls: matchers need not be comparable
	key     SortKey
	reverse bool
}

// NewView returns a View of every flow in time order. It is empty until
// the first Refresh.
func (s *Store) NewView() *View {
	return &View{s: s}
}

// SetMatcher selects the flows the view shows from the next Refresh on;
// nil shows all. A BodyMatcher that needs bodies makes the next Refresh
// read every flow's bodies, from the file if need be.
func (v *View) SetMatcher(m Matcher) {
	v.mu.Lock()
	v.want.m = m
	v.want.gen++
	v.mu.Unlock()
}

// SetOrder sets the sort order from the next Refresh on. Reversing alone
// costs nothing: rows are only presented the other way round.
func (v *View) SetOrder(key SortKey, reverse bool) {
	v.mu.Lock()
	v.want.key, v.want.reverse = key, reverse
	v.mu.Unlock()
}

// Refresh brings the view up to date with the store and the matcher and
// order last set. It runs on the calling goroutine and may take long for a
// new matcher over many flows (a pass of Match over each, bodies loaded for
// a BodyMatcher); it stops early with ctx's error, leaving the view as it
// was.
func (v *View) Refresh(ctx context.Context) (ViewStats, error) {
	v.refresh.Lock()
	defer v.refresh.Unlock()

	v.mu.Lock()
	q := v.want
	v.mu.Unlock()
	v.s.mu.Lock()
	order := v.s.order // never modified in place; see Store.order
	changed, cursor, epoch, journalled := v.s.changesLocked(v.cursor, v.epoch)
	v.s.mu.Unlock()

	rebuild := !v.built || q.gen != v.applied.gen || q.key != v.applied.key
	if !rebuild && !journalled && !samePrefix(v.slots, order) {
		rebuild = true // flows were deleted or cleared
	}
	var stats ViewStats
	var err error
	switch {
	case rebuild:
		err = v.rebuild(ctx, q, order)
		stats.Changed = err == nil
	case journalled:
		// Only what the journal names, and the new flows at the end:
		// a refresh costs what changed, not the size of the session.
		stats.Changed, err = v.update(ctx, q, order, changed)
	default:
		stats.Changed, err = v.update(ctx, q, order, nil)
	}
	if err != nil {
		return ViewStats{}, err
	}
	v.applied, v.built = q, true
	v.cursor, v.epoch = cursor, epoch

	v.mu.Lock()
	if v.reverse != q.reverse {
		stats.Changed = true
	}
	v.reverse = q.reverse
	v.total = len(order)
	stats.Shown, stats.Total = len(v.rows), v.total
	v.mu.Unlock()
	return stats, nil
}

// samePrefix reports whether order still starts with the flows of slots,
// in the same order: true unless flows were deleted since.
func samePrefix(slots []slot, order []*entry) bool {
	if len(order) < len(slots) {
		return false
	}
	for i := range slots {
		if slots[i].e != order[i] {
			return false
		}
	}
	return true
}

// rebuild matches every flow afresh and sorts the result. The flows are
// matched in as many chunks as there are CPUs: a filter over 100k flows is
// the one wait a user feels.
func (v *View) rebuild(ctx context.Context, q viewQuery, order []*entry) error {
	// The previous slots' memory is reused (a million flows' slots are
	// 48 MB): on failure the view is rebuilt next time (built false).
	slots := v.slots[:0]
	if cap(slots) < len(order) {
		slots = make([]slot, len(order))
	}
	slots = slots[:len(order)]
	v.slots, v.built = nil, false
	chunks := min(runtime.GOMAXPROCS(0), max(len(order)/4096, 1))
	// Without a matcher every flow is shown, each at its own index;
	// otherwise each chunk collects its hits.
	var all []viewRow
	parts := make([][]viewRow, chunks)
	if q.m == nil {
		all = make([]viewRow, len(order))
	}
	base := newMatching(v.s, q.m, "view flows")
	base.prepareAll(ctx)
	var wg sync.WaitGroup
	for c := range chunks {
		lo, hi := c*len(order)/chunks, (c+1)*len(order)/chunks
		wg.Go(func() {
			mt := base.fork()
			var sc scratch // the matcher and makeRow keep nothing of f
			for i := lo; i < hi; i++ {
				if i%1024 == 0 && ctx.Err() != nil {
					return
				}
				e := order[i]
				rev := e.version.Load() // before the snapshot: see entry.version
				f := e.snapshotIn(&sc)
				_, hit, _, _ := mt.match(e, rev, f)
				slots[i] = slot{e: e, rev: rev, hit: hit}
				if hit {
					r := makeRow(q.key, e, f)
					slots[i].key = r.viewKey
					if all != nil {
						all[i] = r
					} else {
						parts[c] = append(parts[c], r)
					}
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	rows := all
	if rows == nil {
		rows = slices.Concat(parts...)
	}
	switch q.key {
	case SortTime:
	case SortMethod, SortURL:
		slices.SortFunc(rows, compareRows)
	default:
		// Numeric keys: the text keys are all "" (compareRows agrees).
		slices.SortFunc(rows, func(a, b viewRow) int {
			if c := cmp.Compare(a.n, b.n); c != 0 {
				return c
			}
			return cmp.Compare(a.seq, b.seq)
		})
	}
	v.slots = slots
	v.publish(rows)
	return nil
}

// update re-matches the flows whose snapshot changed or that are new, and
// moves only them in the sorted rows. With journal nil it looks at every
// flow; otherwise only at the positions journal names and at new flows.
func (v *View) update(ctx context.Context, q viewQuery, order []*entry, journal []int) (bool, error) {
	mt := newMatching(v.s, q.m, "view flows")
	var gone, added []viewRow
	slots := v.slots
	changed := false
	n := len(slots)
	if cap(slots) < len(order) {
		// Doubling: growing by append's quarter copied the slots of a
		// store loading a million flows in the background dozens of
		// times (and room for all of them at once made the collector scan
		// it, empty, all through the load).
		slots = slices.Grow(slots, max(len(order), 2*n)-n)
	}
	var sc scratch // the matcher and makeRow keep nothing of f
	visit := func(yield func(int, *entry) bool) {
		if journal == nil {
			for i, e := range order {
				if !yield(i, e) {
					return
				}
			}
			return
		}
		for _, i := range journal {
			if i < n && !yield(i, order[i]) {
				return
			}
		}
		for i := n; i < len(order); i++ {
			if !yield(i, order[i]) {
				return
			}
		}
	}
	for i, e := range visit {
		rev := e.version.Load() // before the snapshot: see entry.version
		if i < n && slots[i].rev == rev {
			// Unchanged, or the same flow made light (light.go): nothing
			// to match again.
			continue
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		f := e.snapshotIn(&sc)
		_, hit, _, _ := mt.match(e, rev, f)
		var r viewRow
		if hit {
			r = makeRow(q.key, e, f)
		}
		if i < n {
			old := slots[i]
			slots[i] = slot{e: e, rev: rev, key: r.viewKey, hit: hit}
			if old.hit && hit && old.key == r.viewKey {
				// Still shown, in the same place: rows read the entry's
				// latest snapshot, so nothing is copied (a flow completing
				// in a time-ordered list is the common change).
				changed = true
				continue
			}
			if old.hit {
				gone = append(gone, viewRow{e: e, viewKey: old.key, seq: f.Seq})
			}
		} else {
			slots = append(slots, slot{e: e, rev: rev, key: r.viewKey, hit: hit})
		}
		if hit {
			added = append(added, r)
		}
		changed = true
	}
	v.slots = slots
	if !changed {
		return false, nil
	}
	if len(gone) == 0 && len(added) == 0 {
		return true, nil // only flows changed in place
	}
	v.mu.Lock()
	old := v.rows
	v.mu.Unlock()
	v.publish(mergeRows(old, gone, added))
	return true, nil
}

// publish makes rows the view's result.
func (v *View) publish(rows []viewRow) {
	v.mu.Lock()
	v.rows = rows
	v.mu.Unlock()
}

// mergeRows returns a new sorted slice: old without gone, plus added. It
// never modifies old, which readers may still hold.
func mergeRows(old, gone, added []viewRow) []viewRow {
	slices.SortFunc(added, compareRows)
	if len(gone) == 0 && len(added) > 0 && (len(old) == 0 || compareRows(old[len(old)-1], added[0]) < 0) {
		// New flows at the end of the order, the common case in time
		// order: appending past len(old) leaves what readers of old see
		// untouched. Doubling, not append's quarter, as the rows of a
		// store loading a million flows grow.
		if cap(old)-len(old) < len(added) {
			old = slices.Grow(old, len(old)+len(added))
		}
		return append(old, added...)
	}
	drop := make(map[*entry]bool, len(gone))
	for _, g := range gone {
		drop[g.e] = true
	}
	out := make([]viewRow, 0, len(old)-len(gone)+len(added))
	// Flows that gained or lost a match are usually the newest, at the end
	// of a time-sorted view: skip the common prefix without comparisons.
	start := len(old)
	for _, g := range gone {
		i, _ := slices.BinarySearchFunc(old, g, compareRows)
		start = min(start, i)
	}
	if len(added) > 0 {
		i, _ := slices.BinarySearchFunc(old, added[0], compareRows)
		start = min(start, i)
	}
	out = append(out, old[:start]...)
	j := 0
	for _, r := range old[start:] {
		if drop[r.e] {
			continue
		}
		for j < len(added) && compareRows(added[j], r) < 0 {
			out = append(out, added[j])
			j++
		}
		out = append(out, r)
	}
	return append(out, added[j:]...)
}

// Len returns how many flows the view shows.
func (v *View) Len() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.rows)
}

// Total returns how many flows the store held at the last Refresh.
func (v *View) Total() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.total
}

// Window returns up to n shown flows starting at position offset, in the
// view's order. The flows are the store's snapshots (see View): read-only,
// bodies Unloaded.
func (v *View) Window(offset, n int) []*Flow {
	v.mu.Lock()
	rows, rev := v.rows, v.reverse
	v.mu.Unlock()
	if offset < 0 || n <= 0 || offset >= len(rows) {
		return nil
	}
	n = min(n, len(rows)-offset)
	out := make([]*Flow, n)
	for i := range out {
		// The entry's latest snapshot: a row stays put while its flow
		// changes without moving in the order (see update).
		out[i] = rows[position(offset+i, len(rows), rev)].e.snapshot()
	}
	return out
}

// Index returns the position of the flow with the given ID in the view's
// order, or -1 when the view does not show it. It costs a pass over the
// shown flows.
func (v *View) Index(id string) int {
	v.mu.Lock()
	rows, rev := v.rows, v.reverse
	v.mu.Unlock()
	k, ok := parseID(id)
	for i := range rows {
		if rows[i].e.hasID(id, k, ok) {
			return position(i, len(rows), rev)
		}
	}
	return -1
}

// Newest returns the position of the most recently added shown flow, or
// -1 when the view is empty. In time order it costs nothing; in any other
// order, a pass over the shown flows.
func (v *View) Newest() int {
	v.mu.Lock()
	rows, rev, key := v.rows, v.reverse, v.applied.key
	v.mu.Unlock()
	if len(rows) == 0 {
		return -1
	}
	best := len(rows) - 1
	if key != SortTime {
		for i := range rows {
			if rows[i].seq > rows[best].seq {
				best = i
			}
		}
	}
	return position(best, len(rows), rev)
}

// position maps a presented position to an index of the ascending rows
// (and back: the mapping is its own inverse).
func position(i, n int, reverse bool) int {
	if reverse {
		return n - 1 - i
	}
	return i
}
