package certs

import (
	"crypto/tls"
	"fmt"
	"strconv"
	"sync"
	"testing"
)

// Tests and benchmarks of a Minter under concurrent and repeated use.

func TestLeafSingleflight(t *testing.T) {
	m := newTestMinter(t, newTestCA(t), 0)
	const callers = 50
	start := make(chan struct{})
	got := make([]*tls.Certificate, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			<-start
			c, err := m.Leaf("one.test")
			if err != nil {
				t.Errorf("caller %d: %v", i, err)
			}
			got[i] = c
		})
	}
	close(start)
	wg.Wait()
	for i, c := range got {
		if c != got[0] {
			t.Fatalf("caller %d got leaf %p, caller 0 got %p; want one shared leaf", i, c, got[0])
		}
	}
	if m.Minted() != 1 {
		t.Errorf("%d concurrent callers for one host minted %d leaves, want 1", callers, m.Minted())
	}
}

func TestLeafConcurrentHosts(t *testing.T) {
	ca := newTestCA(t)
	m := newTestMinter(t, ca, 8) // fewer slots than hosts: eviction races with minting
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 40 {
				host := fmt.Sprintf("h%d.test", (g+i)%20)
				c, err := m.Leaf(host)
				if err != nil {
					t.Error(err)
					return
				}
				if err := c.Leaf.VerifyHostname(host); err != nil {
					t.Errorf("Leaf(%q) returned another host's leaf: %v", host, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if m.Cached() != 8 {
		t.Errorf("Cached() = %d, want the bound 8", m.Cached())
	}
}

// BenchmarkLeafMiss measures minting: every iteration asks for a new host.
func BenchmarkLeafMiss(b *testing.B) {
	m := newTestMinter(b, newTestCA(b), 0)
	i := 0
	for b.Loop() {
		i++
		if _, err := m.Leaf("h" + strconv.Itoa(i) + ".bench.test"); err != nil {
			b.Fatal(err)
		}
	}
	if m.Minted() != uint64(i) {
		b.Fatalf("minted %d leaves for %d new hosts", m.Minted(), i)
	}
}

// BenchmarkLeafHit measures a cache hit: host normalisation, the lock and
// the LRU update.
func BenchmarkLeafHit(b *testing.B) {
	m := newTestMinter(b, newTestCA(b), 0)
	mustLeaf(b, m, "hit.bench.test")
	for b.Loop() {
		if _, err := m.Leaf("hit.bench.test:443"); err != nil {
			b.Fatal(err)
		}
	}
	if m.Minted() != 1 {
		b.Fatalf("minted %d leaves for one host", m.Minted())
	}
}

// BenchmarkLeafHitParallel measures cache hits from every CPU at once, as
// when many connections open to a few hosts.
func BenchmarkLeafHitParallel(b *testing.B) {
	m := newTestMinter(b, newTestCA(b), 0)
	hosts := make([]string, 64)
	for i := range hosts {
		hosts[i] = "p" + strconv.Itoa(i) + ".bench.test"
		mustLeaf(b, m, hosts[i])
	}
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if _, err := m.Leaf(hosts[i%len(hosts)]); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
