package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// The machine is shared: other programs running during a measurement
// slow it down. A cpuMeter measures how much CPU went to processes other
// than the benchmark and its proxies, so a disturbed run says so.

// cpuMeter is a reading at the start of a measurement.
type cpuMeter struct {
	at   time.Time
	busy time.Duration // all CPUs, every process
	ours time.Duration // this process, the proxies and their terminal
	pids []int
}

// startMeter takes a reading; pids are the processes besides this one
// that are part of the benchmark.
func startMeter(pids []int) cpuMeter {
	busy, _ := machineBusy()
	return cpuMeter{at: time.Now(), busy: busy, ours: ourCPU(pids), pids: pids}
}

// others returns the CPU used by other processes since the reading, in
// percent of one core.
func (m cpuMeter) others() float64 {
	busy, err := machineBusy()
	wall := time.Since(m.at)
	if err != nil || wall <= 0 {
		return 0
	}
	foreign := (busy - m.busy) - (ourCPU(m.pids) - m.ours)
	return max(0, 100*float64(foreign)/float64(wall))
}

func ourCPU(pids []int) time.Duration {
	total, _ := statCPU("/proc/self/stat")
	for _, pid := range pids {
		if d, err := pidCPU(pid); err == nil {
			total += d
		}
	}
	return total
}

// machineBusy is the time all CPUs spent running processes, from
// /proc/stat: user, nice, system and steal (the hypervisor's other
// guests). Interrupt time is left out: on loopback it is mostly the
// benchmark's own packets, which no process is charged for.
func machineBusy() (time.Duration, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, fmt.Errorf("unexpected /proc/stat: %q", line)
	}
	var ticks int64
	// Fields: user nice system idle iowait irq softirq steal.
	for _, i := range []int{1, 2, 3, 8} {
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse /proc/stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}
