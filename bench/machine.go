package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
)

// machine describes where the run happened, for the record.
func machine(siphonBin, mitmdumpBin string) []string {
	lines := []string{
		"machine: " + cpuModel() + fmt.Sprintf(", %d cores, %s RAM", runtime.NumCPU(), memTotal()),
		"system: " + osName() + ", Linux " + readTrim("/proc/sys/kernel/osrelease"),
		"go: " + runtime.Version(),
		"siphon: " + siphonVersion(siphonBin),
	}
	if mitmdumpBin != "" {
		lines = append(lines, "mitmdump: "+mitmdumpVersion(mitmdumpBin)+" (Debian package mitmproxy)")
	}
	return lines
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

// field returns the value of the first "key<sep>value" line of path.
func field(path, key, sep string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), sep)
		if ok && strings.TrimSpace(k) == key {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}

func cpuModel() string {
	if m := field("/proc/cpuinfo", "model name", ":"); m != "" {
		return m
	}
	return runtime.GOARCH
}

func memTotal() string {
	v := field("/proc/meminfo", "MemTotal", ":")
	var kb int64
	if _, err := fmt.Sscanf(v, "%d kB", &kb); err != nil {
		return "unknown"
	}
	return fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20))
}

func osName() string {
	if n := field("/etc/os-release", "PRETTY_NAME", "="); n != "" {
		return n
	}
	return runtime.GOOS
}
