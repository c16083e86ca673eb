package replay

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// Runner re-sends a list of flows, each Repeat times, with up to
// Concurrency exchanges at once (Charles's "Repeat Advanced"), and sums
// up the results.
type Runner struct {
	Sender *Sender
	// Repeat is how many rounds to send; 1 when below 1. Each round sends
	// every flow in order.
	Repeat int
	// Concurrency is how many exchanges run at once; 1 when below 1, which
	// sends the flows strictly in order.
	Concurrency int
	// Load, when set, is called before each send with the flow to send and
	// returns it with its bodies (Store.Get), so that a long list does not
	// hold every body in memory. Its error becomes the Result's.
	Load func(f *session.Flow) (*session.Flow, error)
	// OnResult, when set, receives each result as it completes, one call
	// at a time; it must not block for long.
	OnResult func(Result)
}

// Summary sums up a run.
type Summary struct {
	Count    int         // exchanges attempted
	Errors   int         // exchanges whose Result has an Err
	Statuses map[int]int // responses by status code
	P50, P95 time.Duration
	Max      time.Duration
	Elapsed  time.Duration // wall time of the whole run
}

// String is the one-line form: "100 sent, 2 errors, p50 3ms, p95 9ms".
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d sent, %d errors, p50 %s, p95 %s, max %s", s.Count, s.Errors,
		round(s.P50), round(s.P95), round(s.Max))
	codes := slices.Sorted(func(yield func(int) bool) {
		for c := range s.Statuses {
			if !yield(c) {
				return
			}
		}
	})
	for i, c := range codes {
		if i == 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " %d×%d", s.Statuses[c], c)
	}
	return b.String()
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

type job struct {
	f     *session.Flow
	round int
}

// Run sends the flows and returns the summary once every exchange has
// finished. When ctx is done, no new exchange starts; those in flight are
// cancelled, and the summary covers what was attempted.
func (r *Runner) Run(ctx context.Context, flows []*session.Flow) Summary {
	repeat, workers := max(r.Repeat, 1), max(r.Concurrency, 1)
	jobs := make(chan job)
	results := make(chan Result)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- r.one(ctx, j)
			}
		}()
	}
	go func() {
		defer close(jobs)
		for round := 1; round <= repeat; round++ {
			for _, f := range flows {
				select {
				case jobs <- job{f, round}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()

	start := time.Now()
	sum := Summary{Statuses: map[int]int{}}
	var durations []time.Duration
	for res := range results {
		sum.Count++
		if res.Err != nil {
			sum.Errors++
		}
		if res.Status != 0 {
			sum.Statuses[res.Status]++
		}
		durations = append(durations, res.Duration)
		if r.OnResult != nil {
			r.OnResult(res)
		}
	}
	sum.Elapsed = time.Since(start)
	slices.Sort(durations)
	sum.P50, sum.P95 = percentile(durations, 0.50), percentile(durations, 0.95)
	if n := len(durations); n > 0 {
		sum.Max = durations[n-1]
	}
	return sum
}

func (r *Runner) one(ctx context.Context, j job) Result {
	f := j.f
	if r.Load != nil {
		loaded, err := r.Load(f)
		if err != nil {
			return Result{Flow: f, Round: j.round, Err: err}
		}
		f = loaded
	}
	res := r.Sender.Send(ctx, f)
	res.Round = j.round
	return res
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
