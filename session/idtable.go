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
// slots after back. The table is split by hash into 256 parts that grow
// each on its own, so that no Add waits for a million entries to be
// placed afresh (a part holds 4,000 of a million). The zero value is an
// empty table.
type idTable struct {
	seed  maphash.Seed
	parts []idPart // idParts of them once the first entry is put
	n     int
}

const idParts = 256

// idPart is one part of an idTable: the entries whose hash starts with
// its number.
type idPart struct {
	tags  []uint8 // 0: empty; else tagOf(hash)
	slots []*entry
	n     int
}

// tagOf is a slot's byte for a hash: its low 7 bits, high bit set (the
// high bits choose the part and the slot).
func tagOf(h uint64) uint8 { return uint8(h) | 0x80 }

func (t *idTable) hash(k idKey) uint64 { return maphash.Comparable(t.seed, k) }

// part is the part of the entries of hash h.
func (t *idTable) part(h uint64) *idPart { return &t.parts[h>>56] }

// home is the slot where a key of hash h is looked for first.
func (p *idPart) home(h uint64) int {
	hi, _ := bits.Mul64(h<<8, uint64(len(p.slots)))
	return int(hi)
}

// next is the slot after i, wrapping around.
func (p *idPart) next(i int) int {
	if i++; i == len(p.slots) {
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
	p := t.part(h)
	if p.n == 0 {
		return nil
	}
	tag := tagOf(h)
	for i := p.home(h); ; i = p.next(i) {
		switch p.tags[i] {
		case 0:
			return nil
		case tag:
			if e := p.slots[i]; e.key == k {
				return e
			}
		}
	}
}

// put adds e, whose key the table does not hold.
func (t *idTable) put(e *entry) {
	if t.parts == nil {
		t.seed = maphash.MakeSeed()
		t.parts = make([]idPart, idParts)
	}
	h := t.hash(e.key)
	p := t.part(h)
	if (p.n+1)*8 > len(p.slots)*7 {
		t.grow(p)
	}
	p.n++
	t.n++
	p.place(e, h)
}

// place puts e, of hash h, in the first free slot from its home.
func (p *idPart) place(e *entry, h uint64) {
	i := p.home(h)
	for p.tags[i] != 0 {
		i = p.next(i)
	}
	p.tags[i], p.slots[i] = tagOf(h), e
}

// grow makes room in p for half as many entries again (not twice as
// many: a part just grown would be 44 % full), placing them afresh.
func (t *idTable) grow(p *idPart) {
	tags, slots := p.tags, p.slots
	size := max(8, len(slots)+len(slots)/2)
	p.tags, p.slots = make([]uint8, size), make([]*entry, size)
	for i, e := range slots {
		if tags[i] != 0 {
			p.place(e, t.hash(e.key))
		}
	}
}

// del removes the entry with key k and reports whether there was one.
func (t *idTable) del(k idKey) bool {
	if t.n == 0 {
		return false
	}
	h := t.hash(k)
	p := t.part(h)
	if p.n == 0 {
		return false
	}
	tag := tagOf(h)
	i := p.home(h)
	for ; p.tags[i] != tag || p.slots[i].key != k; i = p.next(i) {
		if p.tags[i] == 0 {
			return false
		}
	}
	p.n--
	t.n--
	// Shift back the slots after i that linear probing put past a slot
	// now free, so that no probe stops short of them.
	for j := p.next(i); p.tags[j] != 0; j = p.next(j) {
		home := p.home(t.hash(p.slots[j].key))
		// The entry at j may move to i unless its home lies cyclically
		// in (i, j].
		if i <= j && (home <= i || home > j) || i > j && home <= i && home > j {
			p.tags[i], p.slots[i] = p.tags[j], p.slots[j]
			i = j
		}
	}
	p.tags[i], p.slots[i] = 0, nil
	return true
}
