package session

import (
	"cmp"
	"strings"
)

// viewKey is a flow's place in a sort order, but for the tie-break (its
// position in the store's order, which is Seq order). Time order's keys
// are all zero: the position alone orders it.
type viewKey struct {
	s string // the key of a text order
	n int64  // the key of a numeric order
}

// compareKeyed orders the flows at positions ap and bp, of keys a and b,
// as SortKey.compare orders their snapshots.
func compareKeyed(a viewKey, ap int32, b viewKey, bp int32) int {
	if c := strings.Compare(a.s, b.s); c != 0 {
		return c
	}
	if c := cmp.Compare(a.n, b.n); c != 0 {
		return c
	}
	return cmp.Compare(ap, bp)
}

// textOrder reports whether key orders flows by a string.
func textOrder(key SortKey) bool { return key == SortMethod || key == SortURL }

// keyOf is f's key in the order key.
func keyOf(key SortKey, f *Flow) viewKey {
	switch key {
	case SortTime:
		return viewKey{}
	case SortMethod:
		return viewKey{s: method(f)}
	case SortURL:
		return viewKey{s: target(f)}
	}
	return viewKey{n: key.number(f)}
}

// sortKey is keyOf(key, e.snapshot()), without building the snapshot of a
// compact row: sorting a million flows reads only their keys.
func (e *entry) sortKey(key SortKey) viewKey {
	if f := e.meta.Load(); f != nil {
		return keyOf(key, f)
	}
	r := e.row.Load()
	switch key {
	case SortTime:
		return viewKey{}
	case SortMethod:
		return viewKey{s: r.shape.method}
	case SortURL:
		return viewKey{s: r.strs[:r.urlLen]}
	case SortStatus:
		if r.flags&rowResponse == 0 {
			return viewKey{} // statusKey: a compact row has no error
		}
		return viewKey{n: int64(r.status)}
	case SortSize:
		if r.flags&rowResponse == 0 {
			return viewKey{} // and never a stream
		}
		_, resp := r.sizes()
		return viewKey{n: resp}
	case SortDuration:
		return viewKey{n: int64(Span(r.received, r.complete()))}
	}
	return viewKey{}
}

// viewKeys holds a View's sort keys by position in the store's order:
// numbers in a numeric order, strings in a text order, nothing in time
// order (the TUI's usual one, which then costs no key a flow).
type viewKeys struct {
	key   SortKey
	nums  []int64
	texts []string
}

// sized returns keys for n flows in the order key, reusing k's memory.
// The keys of flows that do not match are never read, nor set.
func (k viewKeys) sized(key SortKey, n int) viewKeys {
	out := viewKeys{key: key}
	switch {
	case key == SortTime:
	case textOrder(key):
		out.texts = k.texts[:0]
		if cap(out.texts) < n {
			out.texts = make([]string, n, n+n/8)
		}
		out.texts = out.texts[:n]
		clear(out.texts) // let go of the previous build's strings
	default:
		out.nums = k.nums[:0]
		if cap(out.nums) < n {
			out.nums = make([]int64, n, n+n/8)
		}
		out.nums = out.nums[:n]
	}
	return out
}

// at returns the key of the flow at position p.
func (k viewKeys) at(p int32) viewKey {
	switch {
	case k.key == SortTime:
		return viewKey{}
	case textOrder(k.key):
		return viewKey{s: k.texts[p]}
	}
	return viewKey{n: k.nums[p]}
}

// set sets the key of the flow at position p.
func (k viewKeys) set(p int32, key viewKey) {
	switch {
	case k.key == SortTime:
	case textOrder(k.key):
		k.texts[p] = key.s
	default:
		k.nums[p] = key.n
	}
}

// add returns k with the key of one more flow, at the next position.
func (k viewKeys) add(key viewKey) viewKeys {
	switch {
	case k.key == SortTime:
	case textOrder(k.key):
		k.texts = append(k.texts, key.s)
	default:
		k.nums = append(k.nums, key.n)
	}
	return k
}

// keyedPos is a shown flow with its key, as sorted in a rebuild or moved
// in an update.
type keyedPos struct {
	key viewKey
	pos int32
}

func compareKeyedPos(a, b keyedPos) int { return compareKeyed(a.key, a.pos, b.key, b.pos) }

// compareRows orders the flows at positions a and b by their keys in k.
func (k viewKeys) compareRows(a, b int32) int {
	return compareKeyed(k.at(a), a, k.at(b), b)
}
