package main

import (
	"time"
)

// plan is the size of a run: how long, how often, how much.
type plan struct {
	smoke      bool
	reps       int           // repetitions of each scenario in each mode
	warmup     time.Duration // uncounted lead-in of each load run
	duration   time.Duration // measured window of each load run
	legTimeout time.Duration // bound on one repetition in one mode
	newConnC   int           // concurrency of the new-connection scenario
	newHosts   int           // never-seen host names per repetition
	downloadMB int           // MiB of the large download
	sseReqs    int           // streams per repetition
	sseEvents  int           // events per stream
	sseGap     time.Duration // between events
	echoes     int           // WebSocket round trips per repetition
	echoSize   int           // bytes per WebSocket message
	storeFlows int           // flows recorded to measure the store
	openFlows  int           // flows in the session whose opening is timed
	wsStream   int           // messages of the one-way WebSocket stream
	mcpCallers int           // concurrent MCP clients of the MCP scenario
	scaleFlows int           // requests through siphon dump in the scale scenario
}

// fullPlan is the measured run: about 12 minutes on two cores with
// mitmdump's column (its gigabyte download alone takes about half a
// minute a repetition).
func fullPlan() plan {
	return plan{
		reps: 3, warmup: 500 * time.Millisecond, duration: 4 * time.Second, legTimeout: 3 * time.Minute,
		newConnC: 8, newHosts: 200, downloadMB: 1024,
		sseReqs: 10, sseEvents: 5, sseGap: 50 * time.Millisecond,
		echoes: 2000, echoSize: 64,
		storeFlows: 50_000, openFlows: 100_000,
		wsStream: 50_000, mcpCallers: 8, scaleFlows: 1_000_000,
	}
}

// smokePlan runs every scenario in seconds, to keep the benchmark working;
// its figures mean nothing.
func smokePlan() plan {
	return plan{
		smoke: true,
		reps:  1, warmup: 50 * time.Millisecond, duration: 250 * time.Millisecond, legTimeout: time.Minute,
		newConnC: 4, newHosts: 5, downloadMB: 16,
		sseReqs: 2, sseEvents: 3, sseGap: 5 * time.Millisecond,
		echoes: 20, echoSize: 64,
		storeFlows: 1000, openFlows: 1000,
		wsStream: 500, mcpCallers: 8, scaleFlows: 2000,
	}
}
