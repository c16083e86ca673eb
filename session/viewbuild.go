package session

import (
	"context"
	"runtime"
	"slices"
	"sync"
)

// rebuild matches every flow afresh and sorts the result. The flows are
// matched in as many chunks as there are CPUs: a filter or a new order
// over a million flows is the one wait a user feels.
func (v *View) rebuild(ctx context.Context, q viewQuery, order []*entry) error {
	n := len(order)
	// The previous slots' and keys' memory is reused; on failure the
	// view is rebuilt next time (built false).
	slots := v.slots[:0]
	if cap(slots) < n {
		slots = make([]slot, n, n+n/8) // and room for the flows to come
	}
	slots = slots[:n]
	keys := v.keys.sized(q.key, n)
	v.slots, v.keys, v.built = nil, viewKeys{}, false

	chunks := min(runtime.GOMAXPROCS(0), max(n/4096, 1))
	// Without a matcher every flow is shown, each chunk's in its own
	// part of rows; otherwise each chunk collects its hits.
	var rows []int32
	if q.m == nil {
		rows = make([]int32, n)
	}
	hits := make([][]int32, chunks)
	base := newMatching(v.s, q.m, "view flows")
	base.prepareAll(ctx)
	var wg sync.WaitGroup
	for c := range chunks {
		lo, hi := c*n/chunks, (c+1)*n/chunks
		wg.Go(func() {
			var out []int32
			if rows != nil {
				out = rows[lo:lo:hi]
			}
			out = matchRange(ctx, base.fork(), q.key, order, lo, hi, slots, keys, out)
			if textOrder(q.key) {
				slices.SortFunc(out, keys.compareRows)
			}
			hits[c] = out
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	switch {
	case textOrder(q.key):
		// Each chunk sorted its own: string comparisons are the costly part.
		rows = mergeAll(hits, keys.compareRows)
	case rows == nil:
		rows = slices.Concat(hits...)
	}
	if q.key != SortTime && !textOrder(q.key) {
		rows = radixSort(rows, keys.nums)
	}
	v.slots, v.keys, v.seen = slots, keys, order
	v.publish(order, rows, q.key)
	return nil
}

// matchRange matches the flows order[lo:hi], sets their slots and keys,
// and appends the positions of those that matched to out.
func matchRange(ctx context.Context, mt *matching, key SortKey, order []*entry, lo, hi int, slots []slot, keys viewKeys, out []int32) []int32 {
	// Snapshots of compact rows are built in sc, without the ID when the
	// matcher says it reads none (a million hex strings a pass).
	sc := scratch{noIDs: !mt.needsID}
	for i := lo; i < hi; i++ {
		if (i-lo)%1024 == 0 && ctx.Err() != nil {
			return nil
		}
		e := order[i]
		rev := e.version.Load() // before the snapshot: see entry.version
		var k viewKey
		hit := true
		if mt.m != nil {
			f := e.snapshotIn(&sc)
			_, hit, _, _ = mt.match(e, rev, f)
			if hit {
				k = keyOf(key, f)
			}
		} else {
			k = e.sortKey(key)
		}
		slots[i] = makeSlot(rev, hit)
		if hit {
			keys.set(int32(i), k)
			out = append(out, int32(i))
		}
	}
	return out
}

// mergeAll merges sorted runs into one, two at a time.
func mergeAll[T any](runs [][]T, compare func(a, b T) int) []T {
	for len(runs) > 1 {
		var next [][]T
		for i := 0; i < len(runs); i += 2 {
			if i+1 == len(runs) {
				next = append(next, runs[i])
				break
			}
			next = append(next, mergeTwo(runs[i], runs[i+1], compare))
		}
		runs = next
	}
	if len(runs) == 0 {
		return nil
	}
	return runs[0]
}

// mergeTwo merges the sorted runs a and b into a new one.
func mergeTwo[T any](a, b []T, compare func(a, b T) int) []T {
	out := make([]T, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if compare(b[j], a[i]) < 0 {
			out = append(out, b[j])
			j++
		} else {
			out = append(out, a[i])
			i++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// radixSort sorts rows, positions in ascending order, by their keys in
// nums, stably (so ties stay in position order): a least-significant-digit
// radix sort, 11 bits at a time over the span of the keys, takes a
// million rows in a few passes with no comparisons (30 ms, where a
// comparison sort took 150). It may sort in place or return another slice.
func radixSort(rows []int32, nums []int64) []int32 {
	if len(rows) < 2 {
		return rows
	}
	lo, hi := nums[rows[0]], nums[rows[0]]
	for _, p := range rows {
		lo, hi = min(lo, nums[p]), max(hi, nums[p])
	}
	span := uint64(hi) - uint64(lo) // the keys' offsets from lo fit in 64 bits
	const bits = 11
	var tmp []int32
	var count [1 << bits]int32
	for shift := uint(0); shift < 64 && span>>shift != 0; shift += bits {
		if tmp == nil {
			tmp = make([]int32, len(rows))
		}
		clear(count[:])
		for _, p := range rows {
			count[(uint64(nums[p])-uint64(lo))>>shift&(1<<bits-1)]++
		}
		var sum int32
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for _, p := range rows {
			d := (uint64(nums[p]) - uint64(lo)) >> shift & (1<<bits - 1)
			tmp[count[d]] = p
			count[d]++
		}
		rows, tmp = tmp, rows
	}
	return rows
}
