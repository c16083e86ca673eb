package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/siphonproxy/siphon/bench/internal/load"
)

// wsStreamSize is the size of each message of the one-way stream: small,
// so that the per-message work of capturing dominates.
const wsStreamSize = 64

// wsStreamScenario has the origin send plan.wsStream small WebSocket
// messages as fast as it can and counts the messages per second the
// client reads. Through siphon every message is captured into its session
// (AddMessage queues it as it is relayed); the run checks afterwards that
// the session holds every one of them, whole.
func wsStreamScenario(p plan) *scenario {
	return &scenario{
		key: "ws-oneway", title: fmt.Sprintf("WebSocket one-way stream, %s messages of %d B, captured", group(float64(p.wsStream), 0), wsStreamSize),
		proxies: true,
		metrics: []metric{
			{key: "mps", label: "messages/s", unit: "msg/s", prec: 0, vs: ratio},
			cpuMetric,
		},
		run: func(ctx context.Context, e *env, l *leg, rep int) (measurement, error) {
			u := fmt.Sprintf("ws%s/wsstream?n=%d&size=%d", strings.TrimPrefix(e.origin.HTTPURL, "http"), e.plan.wsStream, wsStreamSize)
			r, err := load.Stream(ctx, l.target, u, e.plan.wsStream, wsStreamSize)
			if err != nil {
				return measurement{}, err
			}
			m := fromResult(r)
			m.flows = 1 // the upgrade
			m.messages = r.Requests - r.Errors
			m.values["mps"] = r.RPS()
			return m, nil
		},
	}
}
