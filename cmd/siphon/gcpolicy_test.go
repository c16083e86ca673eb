package main

import (
	"context"
	"testing"
)

func TestGCPercentFollowsLiveHeap(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 100},
		{32 * mib, 100},
		{64 * mib, 100},
		{100 * mib, 60}, // 64 MiB of headroom is 64%, in steps of 5
		{128 * mib, 50},
		{256 * mib, 25},
		{1024 * mib, 25}, // never below a quarter
	} {
		if got := gcPercent(c.live); got != c.want {
			t.Errorf("gcPercent(%d MiB) = %d, want %d", c.live/mib, got, c.want)
		}
	}
}

func TestGCPolicyLeavesUserSettingsAlone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, env := range []map[string]string{{"GOGC": "200"}, {"GOMEMLIMIT": "1GiB"}, {"GOGC": "off"}} {
		if startGCPolicy(ctx, func(k string) string { return env[k] }) {
			t.Errorf("the GC policy started with %v set", env)
		}
	}
	if !startGCPolicy(ctx, func(string) string { return "" }) {
		t.Error("the GC policy did not start without GOGC or GOMEMLIMIT")
	}
}
