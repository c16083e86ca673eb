package session

import (
	"context"
	"slices"
)

// update re-matches the flows whose snapshot changed or that are new, and
// moves only them in the sorted rows. With journal nil it looks at every
// flow; otherwise only at the positions journal names and at new flows.
func (v *View) update(ctx context.Context, q viewQuery, order []*entry, journal []int) (bool, error) {
	mt := newMatching(v.s, q.m, "view flows")
	sc := scratch{noIDs: !mt.needsID}
	slots, keys := v.slots, v.keys
	n := len(slots)
	// The journal repeats a flow that changed twice: each is looked at once.
	slices.Sort(journal)
	journal = slices.Compact(journal)
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
	// The old rows are sorted by the old keys: new keys of flows already
	// seen are set only once the rows are merged.
	var gone, added, rekeyed []keyedPos
	changed := false
	for i, e := range visit {
		rev := e.version.Load() // before the snapshot: see entry.version
		if i < n && slots[i].at(rev) {
			// Unchanged, or the same flow made light (light.go): nothing
			// to match again.
			continue
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		f := e.snapshotIn(&sc)
		_, hit, _, _ := mt.match(e, rev, f)
		var k viewKey
		if hit {
			k = keyOf(q.key, f)
		}
		p := int32(i)
		changed = true
		if i >= n {
			slots = append(slots, makeSlot(rev, hit))
			keys = keys.add(k)
		} else {
			old, oldKey := slots[i], keys.at(p)
			slots[i] = makeSlot(rev, hit)
			if old.hit() && hit && oldKey == k {
				// Still shown, in the same place: rows read the entry's
				// latest snapshot, so nothing moves (a flow completing
				// in a time-ordered list is the common change).
				continue
			}
			if old.hit() {
				gone = append(gone, keyedPos{oldKey, p})
			}
			if hit {
				rekeyed = append(rekeyed, keyedPos{k, p})
			}
		}
		if hit {
			added = append(added, keyedPos{k, p})
		}
	}
	v.slots, v.keys, v.seen = slots, keys, order
	if !changed {
		return false, nil
	}
	rows := v.rows // written by Refresh only, which holds v.refresh
	if len(gone) > 0 || len(added) > 0 {
		rows = mergeRows(rows, gone, added, keys)
	}
	for _, r := range rekeyed {
		keys.set(r.pos, r.key)
	}
	v.publish(order, rows, q.key)
	return true, nil
}

// mergeRows returns a new sorted slice: old without gone, plus added; keys
// are the keys old is sorted by. It never modifies old, which readers may
// still hold.
func mergeRows(old []int32, gone, added []keyedPos, keys viewKeys) []int32 {
	slices.SortFunc(added, compareKeyedPos)
	cmpRow := func(k keyedPos, row int32) int { return compareKeyed(k.key, k.pos, keys.at(row), row) }
	if len(gone) == 0 && len(added) > 0 && (len(old) == 0 || cmpRow(added[0], old[len(old)-1]) > 0) {
		// New flows at the end of the order, the common case in time
		// order: appending past len(old) leaves what readers of old see
		// untouched.
		for _, a := range added {
			old = append(old, a.pos)
		}
		return old
	}
	// Flows that gained or lost a match are usually the newest, at the end
	// of a time-sorted view: skip the common prefix without comparisons.
	find := func(k keyedPos) int {
		i, _ := slices.BinarySearchFunc(old, k, func(row int32, k keyedPos) int { return -cmpRow(k, row) })
		return i
	}
	start := len(old)
	drop := make(map[int32]bool, len(gone))
	for _, g := range gone {
		drop[g.pos] = true
		start = min(start, find(g))
	}
	if len(added) > 0 {
		start = min(start, find(added[0]))
	}
	out := make([]int32, 0, len(old)-len(gone)+len(added))
	out = append(out, old[:start]...)
	j := 0
	for _, r := range old[start:] {
		if drop[r] {
			continue
		}
		for j < len(added) && cmpRow(added[j], r) < 0 {
			out = append(out, added[j].pos)
			j++
		}
		out = append(out, r)
	}
	for _, a := range added[j:] {
		out = append(out, a.pos)
	}
	return out
}
