package session

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// TestIDTableIsAMap: random puts, gets and deletes give what a Go map
// gives, through growth, deletions that shift probed runs back, and keys
// that differ in one byte.
func TestIDTableIsAMap(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var tab idTable
	ref := map[idKey]*entry{}
	var keys []idKey
	newKey := func() idKey {
		var k idKey
		if len(keys) > 0 && r.IntN(3) == 0 {
			k = keys[r.IntN(len(keys))]
			k[r.IntN(len(k))] ^= 1 << r.IntN(8) // a near neighbour
		} else {
			binary.LittleEndian.PutUint64(k[8:], r.Uint64())
			binary.LittleEndian.PutUint64(k[:8], uint64(r.IntN(4))) // mostly equal halves
		}
		return k
	}
	for step := range 60_000 {
		switch op := r.IntN(10); {
		case op < 5 || len(keys) == 0:
			k := newKey()
			if ref[k] != nil {
				continue
			}
			e := &entry{key: k}
			tab.put(e)
			ref[k] = e
			keys = append(keys, k)
		case op < 7:
			i := r.IntN(len(keys))
			k := keys[i]
			if !tab.del(k) {
				t.Fatalf("step %d: del of a held key reports none", step)
			}
			delete(ref, k)
			keys[i] = keys[len(keys)-1]
			keys = keys[:len(keys)-1]
		default:
			k := newKey()
			if got := tab.get(k); got != ref[k] {
				t.Fatalf("step %d: get = %p, want %p", step, got, ref[k])
			}
			if ref[k] == nil && tab.del(k) {
				t.Fatalf("step %d: del of an absent key reports one", step)
			}
		}
		if tab.len() != len(ref) {
			t.Fatalf("step %d: len %d, want %d", step, tab.len(), len(ref))
		}
		if step%5000 == 0 {
			for k, e := range ref {
				if got := tab.get(k); got != e {
					t.Fatalf("step %d: get of a held key = %p, want %p", step, got, e)
				}
			}
		}
	}
	for k, e := range ref {
		if got := tab.get(k); got != e {
			t.Fatalf("get of a held key = %p, want %p", got, e)
		}
	}
	var zero idTable
	if zero.get(idKey{}) != nil || zero.del(idKey{}) || zero.len() != 0 {
		t.Errorf("the zero table is not empty")
	}
}
