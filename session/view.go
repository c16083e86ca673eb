package session

import (
	"context"
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
//
// A View holds no pointer per flow (issue 17: a million flows): its rows
// are positions in the store's order as of the last Refresh, and what it
// knows of each flow of that order is a fixed-size slot, plus the flow's
// sort key in a sort order other than time.
type View struct {
	s *Store

	refresh sync.Mutex // serialises Refresh; guards the build state below
	slots   []slot     // one per flow of seen, as last matched
	keys    viewKeys   // the sort keys of seen's flows that matched
	seen    []*entry   // the store's order slots describe
	applied viewQuery  // the query slots and rows were built for
	built   bool
	cursor  uint64 // the store's journal, read up to here
	epoch   uint64 // in this epoch of the store's order

	mu    sync.Mutex
	want  viewQuery
	order []*entry // the store's order rows index into
	// rows are positions in order of the shown flows, ascending by sort
	// key then position (the position in Seq order breaks ties, as Seq).
	rows    []int32
	key     SortKey // the order of rows
	reverse bool    // rows are presented last to first
	total   int
}

// ViewStats describes a View after a Refresh.
type ViewStats struct {
	Shown   int  // flows the matcher selects
	Total   int  // flows in the store
	Changed bool // the rows (or their snapshots) differ from the previous Refresh
}

// slot is what the view knows of one flow of the store's order, in 4
// bytes: whether it matched (the top bit), and the entry's version when
// it was matched, truncated to the other 31 bits (a flow would have to
// change 2³¹ times between two Refreshes to be missed).
type slot uint32

const slotHit slot = 1 << 31

func makeSlot(rev uint64, hit bool) slot {
	s := slot(rev) &^ slotHit
	if hit {
		s |= slotHit
	}
	return s
}

// hit reports whether the flow matched.
func (s slot) hit() bool { return s&slotHit != 0 }

// at reports whether s was made at version rev.
func (s slot) at(rev uint64) bool { return s&^slotHit == slot(rev)&^slotHit }

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
	if !rebuild && !journalled && !samePrefix(v.seen, order) {
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
		// Half-updated slots would hide the changes they took in from
		// the next Refresh: build afresh then.
		v.built = false
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

// samePrefix reports whether order still starts with the flows of seen,
// in the same order: true unless flows were deleted since.
func samePrefix(seen, order []*entry) bool {
	if len(order) < len(seen) {
		return false
	}
	if len(seen) == 0 || &seen[0] == &order[0] {
		return true // order was appended to in place
	}
	for i := range seen {
		if seen[i] != order[i] {
			return false
		}
	}
	return true
}

// publish makes rows, positions in order sorted by key, the view's
// result.
func (v *View) publish(order []*entry, rows []int32, key SortKey) {
	v.mu.Lock()
	v.order, v.rows, v.key = order, rows, key
	v.mu.Unlock()
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
	order, rows, rev := v.order, v.rows, v.reverse
	v.mu.Unlock()
	if offset < 0 || n <= 0 || offset >= len(rows) {
		return nil
	}
	n = min(n, len(rows)-offset)
	out := make([]*Flow, n)
	for i := range out {
		// The entry's latest snapshot: a row stays put while its flow
		// changes without moving in the order (see update).
		out[i] = order[rows[position(offset+i, len(rows), rev)]].snapshot()
	}
	return out
}

// Index returns the position of the flow with the given ID in the view's
// order, or -1 when the view does not show it. It costs a pass over the
// shown flows.
func (v *View) Index(id string) int {
	v.mu.Lock()
	order, rows, rev := v.order, v.rows, v.reverse
	v.mu.Unlock()
	k, ok := parseID(id)
	for i, p := range rows {
		if order[p].hasID(id, k, ok) {
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
	rows, rev, key := v.rows, v.reverse, v.key
	v.mu.Unlock()
	if len(rows) == 0 {
		return -1
	}
	best := len(rows) - 1
	if key != SortTime {
		// Positions are in Seq order: the newest has the largest.
		for i, p := range rows {
			if p > rows[best] {
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
