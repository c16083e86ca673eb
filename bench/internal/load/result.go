package load

import (
	"slices"
	"time"
)

// Result is what a run measured. Latencies are those of counted requests,
// failed ones included, sorted ascending.
type Result struct {
	Requests  int // counted requests, failed ones included
	Warm      int // requests made during the warm-up, not counted
	Errors    int
	FirstErr  string // the first failure, to say what went wrong
	Bytes     int64  // body bytes received
	Elapsed   time.Duration
	Latencies []time.Duration
	// Protos counts the answers of counted requests by the protocol they
	// came over ("HTTP/1.1", "HTTP/2.0").
	Protos map[string]int
	// Conns is the number of connections the run opened (to the proxy,
	// through it, or to the origin), warm-up included; 0 where not counted.
	Conns int
}

func (r *Result) proto(p string) {
	if p == "" {
		return
	}
	if r.Protos == nil {
		r.Protos = map[string]int{}
	}
	r.Protos[p]++
}

func (r *Result) add(d time.Duration, n int64, err error) {
	r.Requests++
	r.Bytes += n
	r.Latencies = append(r.Latencies, d)
	if err != nil {
		r.Errors++
		if r.FirstErr == "" {
			r.FirstErr = err.Error()
		}
	}
}

func (r *Result) merge(o *Result) {
	r.Requests += o.Requests
	r.Warm += o.Warm
	r.Errors += o.Errors
	r.Bytes += o.Bytes
	if r.FirstErr == "" {
		r.FirstErr = o.FirstErr
	}
	r.Latencies = append(r.Latencies, o.Latencies...)
	for p, n := range o.Protos {
		if r.Protos == nil {
			r.Protos = map[string]int{}
		}
		r.Protos[p] += n
	}
}

func (r *Result) finish() { slices.Sort(r.Latencies) }

// RPS is completed requests (without errors) per second of the window.
func (r *Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests-r.Errors) / r.Elapsed.Seconds()
}

// MiBps is body throughput in MiB per second.
func (r *Result) MiBps() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Bytes) / (1 << 20) / r.Elapsed.Seconds()
}

// Percentile returns the p-th percentile latency (0 < p <= 100) by the
// nearest-rank method, or 0 without samples.
func (r *Result) Percentile(p float64) time.Duration {
	n := len(r.Latencies)
	if n == 0 {
		return 0
	}
	rank := int(p/100*float64(n)+0.999999) - 1
	return r.Latencies[min(max(rank, 0), n-1)]
}
