package session

import (
	"hash/maphash"
	"math/bits"
)

// idTable maps canonical flow IDs to their entries (flowid.go). A Go map
// of 16-byte keys to pointers costs 40 to 55 bytes a flow (issue 17: a
// million flows); this open-addressing table, whose keys are in the
// entries themselves, costs 9 bytes a slot at a load of 58 to 88 %: 10
// to 16 bytes a flow. Each slot holds an entry pointer and a byte of its
// key's hash, so that a probe reads an entry only when that byte matches;
// collisions are resolved by linear probing, deletions by shifting the
// slots after back. The zero value is an empty table.
type idTable struct {
	seed  maphash.Seed
	tags  []uint8 // 0: empty; else tagOf(hash)
	slots []*entry
	n     int
}

// tagOf is a slot's byte for a hash: its top 7 bits, high bit set.
func tagOf(h uint64) uint8 { return uint8(h>>57) | 0x80 }

func (t *idTable) hash(k idKey) uint64 { return maphash.Comparable(t.seed, k) }

// home is the slot where a key of hash h is looked for first.
func (t *idTable) home(h uint64) int {
	hi, _ := bits.Mul64(h, uint64(len(t.slots)))
	return int(hi)
}

// next is the slot after i, wrapping around.
func (t *idTable) next(i int) int {
	if i++; i == len(t.slots) {
		return 0
	}
	return i
}

// len is the number of entries in the table.
func (t *idTable) len() int { return t.n }

// get returns the entry with key k, or nil.
func (t *idTable) get(k idKey) *entry {
	if t.n == 0 {
		return nil
	}
	h := t.hash(k)
	tag := tagOf(h)
	for i := t.home(h); ; i = t.next(i) {
		switch t.tags[i] {
		case 0:
			return nil
		case tag:
			if e := t.slots[i]; e.key == k {
				return e
			}
		}
	}
}

// put adds e, whose key the table does not hold.
func (t *idTable) put(e *entry) {
	if (t.n+1)*8 > len(t.slots)*7 {
		t.grow()
	}
	t.n++
	t.place(e, t.hash(e.key))
}

// place puts e, of hash h, in the first free slot from its home.
func (t *idTable) place(e *entry, h uint64) {
	i := t.home(h)
	for t.tags[i] != 0 {
		i = t.next(i)
	}
	t.tags[i], t.slots[i] = tagOf(h), e
}

// grow makes room for half as many entries again (not twice as many: a
// table just grown would be 44 % full), placing every entry afresh.
func (t *idTable) grow() {
	tags, slots := t.tags, t.slots
	size := max(16, len(slots)+len(slots)/2)
	if len(slots) == 0 {
		t.seed = maphash.MakeSeed()
	}
	t.tags, t.slots = make([]uint8, size), make([]*entry, size)
	for i, e := range slots {
		if tags[i] != 0 {
			t.place(e, t.hash(e.key))
		}
	}
}

// del removes the entry with key k and reports whether there was one.
func (t *idTable) del(k idKey) bool {
	if t.n == 0 {
		return false
	}
	h := t.hash(k)
	tag := tagOf(h)
	i := t.home(h)
	for ; t.tags[i] != tag || t.slots[i].key != k; i = t.next(i) {
		if t.tags[i] == 0 {
			return false
		}
	}
	t.n--
	// Shift back the slots after i that linear probing put past a slot
	// now free, so that no probe stops short of them.
	for j := t.next(i); t.tags[j] != 0; j = t.next(j) {
		home := t.home(t.hash(t.slots[j].key))
		// The entry at j may move to i unless its home lies cyclically
		// in (i, j].
		if i <= j && (home <= i || home > j) || i > j && home <= i && home > j {
			t.tags[i], t.slots[i] = t.tags[j], t.slots[j]
			i = j
		}
	}
	t.tags[i], t.slots[i] = 0, nil
	return true
}
