package main

import (
	"context"
	"fmt"
	"time"
)

// Other programs on a shared machine distort a measurement: a repetition
// during which they used more than busyThreshold of a core is measured
// again, and before measuring the benchmark waits for them to calm down,
// all within the run's settle budget so that the run stays bounded.
const (
	busyThreshold = 30.0 // % of one core
	settleSample  = 300 * time.Millisecond
	maxAttempts   = 3
)

// settler spends a run's budget of waiting and re-measuring.
type settler struct {
	budget  time.Duration // what is left
	spent   time.Duration
	retried int
}

// measure runs one repetition, waiting for a quiet machine first and
// measuring again when others disturbed it, while the budget lasts.
func (s *settler) measure(ctx context.Context, e *env, sc *scenario, l *leg, rep int, pids []int) (measurement, error) {
	discarded := 0 // flows of repetitions measured again: the proxy still recorded them
	for attempt := 1; ; attempt++ {
		s.wait(ctx, pids)
		began := time.Now()
		meter := startMeter(pids)
		m, err := runLeg(ctx, e, sc, l, rep)
		if err != nil {
			return m, err
		}
		m.others = meter.others()
		took := time.Since(began)
		if m.others <= busyThreshold || attempt == maxAttempts || s.budget < took || ctx.Err() != nil {
			m.flows += discarded
			return m, nil
		}
		discarded += m.flows
		fmt.Fprintf(e.log, "bench: %-10s rep %d %-8s disturbed (other processes %.0f%% CPU): measuring again\n",
			sc.key, rep+1, l.mode, m.others)
		s.charge(took)
		s.retried++
	}
}

// wait samples the machine until other programs use less than the
// threshold, or the budget is gone.
func (s *settler) wait(ctx context.Context, pids []int) {
	for s.budget > 0 && ctx.Err() == nil {
		meter := startMeter(pids)
		t := time.NewTimer(settleSample)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
		if meter.others() <= busyThreshold {
			return
		}
		s.charge(settleSample)
	}
}

func (s *settler) charge(d time.Duration) {
	s.budget -= d
	s.spent += d
}
