package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Go's default GC lets the heap grow to twice the live heap before it
// collects. For a long capture that doubling is most of siphon's memory:
// a million stored flows are ~260 MB of live index, and with the default
// the process settles at 2.3-2.5 times that (issue 17). A fixed memory
// limit cannot be chosen in advance (the index only grows, and a limit
// under the live heap makes the GC run without end), so siphon instead
// bounds the growth between collections by what the live heap is: a
// small heap keeps the default (GC work is cheap relative to its
// allocations, and a short session is not worth any CPU), a large one
// grows by a fixed headroom, which costs more collections of a heap that
// is mostly index: measured at 500,000 flows, see gcHeadroom.
//
// GOGC and GOMEMLIMIT set by the user win: the policy does nothing then.

// gcHeadroom is how far the heap may grow past the live heap between
// collections once the live heap is large: GOGC falls from 100 (below
// gcHeadroom of live heap) towards gcMinPercent as the heap grows.
const gcHeadroom = 64 << 20

// gcMinPercent bounds GOGC from below: past gcHeadroom*100/gcMinPercent of
// live heap (256 MiB), collections come every quarter of the live heap,
// so their CPU per allocated byte stops growing with the session.
const gcMinPercent = 25

// gcPolicyEvery is how often the policy looks at the live heap: it grows
// by a few MB a second at most, so a second is fine, and the look is a
// read of one runtime metric.
const gcPolicyEvery = time.Second

// gcPercent returns the GOGC for a live heap of live bytes.
func gcPercent(live uint64) int {
	if live <= gcHeadroom {
		return 100
	}
	p := int(gcHeadroom * 100 / live)
	// Steps of 5 points: the pacer is not reset for every MB of growth.
	p -= p % 5
	return max(p, gcMinPercent)
}

// startGCPolicy adjusts GOGC to the live heap until ctx ends, unless the
// user set GOGC or GOMEMLIMIT (getenv is os.Getenv). It reports whether it
// started.
func startGCPolicy(ctx context.Context, getenv func(string) string) bool {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return false
	}
	go func() {
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		current := 100
		t := time.NewTicker(gcPolicyEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			metrics.Read(sample)
			if sample[0].Value.Kind() != metrics.KindUint64 {
				return // a runtime without the metric: keep the default
			}
			if p := gcPercent(sample[0].Value.Uint64()); p != current {
				debug.SetGCPercent(p)
				current = p
			}
		}
	}()
	return true
}
