// Command soak runs a long mixed load through "siphon dump" and reports
// what a leak would show: flows sent against flows stored, siphon's RSS
// every minute, and its open descriptors and goroutines at the end.
//
//	go run ./bench/soak -duration 30m
//
// The load is moderate on purpose (a few requests a second of each kind):
// it looks for growth that is not the flows themselves, not for speed. Every
// byte stays on 127.0.0.1; every loop ends at the deadline.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"

	"github.com/siphonproxy/siphon/bench/internal/origin"
	"github.com/siphonproxy/siphon/session"
)

func main() {
	duration := flag.Duration("duration", 30*time.Minute, "how long the load runs")
	every := flag.Duration("every", 250*time.Millisecond, "pause between two requests of one kind")
	sample := flag.Duration("sample", time.Minute, "how often RSS is read")
	settle := flag.Duration("settle", 3*time.Second, "how long to wait after the load before the final count (idle origin connections close after 90s)")
	flag.Parse()
	if err := run(*duration, *every, *sample, *settle); err != nil {
		log.Fatalf("soak: %v", err)
	}
}

// kinds of traffic, each run by its own loop.
var kinds = []string{
	"http", "https", "upload", "upload-100-continue", "https-upload",
	"sse", "websocket", "refused", "refused-upload-100-continue", "garbage",
}

func run(duration, every, sample, settle time.Duration) error {
	dir, err := os.MkdirTemp("", "siphon-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	org, err := origin.Start(dir)
	if err != nil {
		return err
	}
	defer org.Close(context.Background())
	upload, err := startUploadOrigin()
	if err != nil {
		return err
	}

	bin := filepath.Join(dir, "siphon")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/siphon").CombinedOutput(); err != nil {
		return fmt.Errorf("build siphon: %w\n%s", err, out)
	}
	home, sessionPath := filepath.Join(dir, "home"), filepath.Join(dir, "session.db")
	cmd := exec.Command(bin, "dump", "--home", home, "--listen", "127.0.0.1:0",
		"--upstream-ca", org.CAPath, "--session", sessionPath)
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	var dump strings.Builder // goroutine dump after SIGQUIT
	if err := cmd.Start(); err != nil {
		return err
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stderr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var addr string
	for addr == "" && sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "siphon: proxy listening on http://"); ok {
			addr = a
		}
	}
	if addr == "" {
		return fmt.Errorf("siphon did not say where it listens")
	}
	stderrDone := make(chan struct{})
	go func() {
		defer close(stderrDone)
		for sc.Scan() {
			dump.WriteString(sc.Text() + "\n")
		}
	}()
	caPEM, err := os.ReadFile(filepath.Join(home, "ca.pem"))
	if err != nil {
		return err
	}
	roots := org.Pool().Clone()
	roots.AppendCertsFromPEM(caPEM)
	proxyURL := &url.URL{Scheme: "http", Host: addr}
	pid := cmd.Process.Pid
	fmt.Printf("siphon pid %d on %s, session %s, load %s, one request of each of %d kinds every %s\n",
		pid, addr, sessionPath, duration, len(kinds), every)

	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var sent, failed [16]atomic.Int64
	var wg sync.WaitGroup
	for i, kind := range kinds {
		wg.Go(func() {
			c := newClient(proxyURL, roots)
			for ctx.Err() == nil {
				if err := once(ctx, kind, c, org, upload, addr, roots); err != nil && ctx.Err() == nil {
					failed[i].Add(1)
					if failed[i].Load() <= 3 {
						fmt.Printf("  %s: %v\n", kind, err)
					}
				}
				sent[i].Add(1)
				select {
				case <-ctx.Done():
				case <-time.After(every):
				}
			}
			c.CloseIdleConnections()
		})
	}
	start := time.Now()
	tick := time.NewTicker(sample)
	fmt.Printf("%8s %10s %6s %8s\n", "minute", "VmRSS", "fds", "threads")
	report := func() {
		rss, threads := procStatus(pid)
		fmt.Printf("%8.1f %10s %6d %8s\n", time.Since(start).Minutes(), rss, countFDs(pid), threads)
	}
	report()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-tick.C:
			report()
		}
	}
	tick.Stop()
	wg.Wait()
	// Let the last batch reach the file and idle connections settle.
	time.Sleep(settle)
	report()
	var total int64
	fmt.Printf("\n%-28s %8s %8s\n", "kind", "sent", "failed")
	for i, kind := range kinds {
		fmt.Printf("%-28s %8d %8d\n", kind, sent[i].Load(), failed[i].Load())
		total += sent[i].Load()
	}
	rss, _ := procStatus(pid)
	fds := countFDs(pid)
	// SIGQUIT makes the Go runtime print every goroutine and exit; the
	// session file already holds every committed batch.
	cmd.Process.Signal(syscall.SIGQUIT)
	<-stderrDone
	cmd.Wait()
	goroutines := 0
	for _, line := range strings.Split(dump.String(), "\n") {
		if strings.HasPrefix(line, "goroutine ") && strings.HasSuffix(line, ":") {
			goroutines++
		}
	}
	s, err := session.Open(sessionPath, session.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("open the session: %w", err)
	}
	stored := s.Len()
	s.Close()
	fmt.Printf("\nexchanges sent %d, flows stored %d; at the end: VmRSS %s, %d open descriptors, %d goroutines\n",
		total, stored, rss, fds, goroutines)
	return nil
}

func newClient(proxy *url.URL, roots *x509.CertPool) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:                 http.ProxyURL(proxy),
			TLSClientConfig:       &tls.Config{RootCAs: roots},
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       30 * time.Second,
			ExpectContinueTimeout: 5 * time.Second,
			DisableCompression:    true,
		},
	}
}

// once sends one exchange of a kind and checks its answer.
func once(ctx context.Context, kind string, c *http.Client, org *origin.Server, upload, proxyAddr string, roots *x509.CertPool) error {
	body := func(n int) io.Reader { return io.LimitReader(zeros{}, int64(n)) }
	switch kind {
	case "http":
		return get(ctx, c, org.HTTPURL+"/small", 200)
	case "https":
		return get(ctx, c, org.HTTPSURL+"/small", 200)
	case "upload":
		return post(ctx, c, upload, body(2<<20), 2<<20, false, 200)
	case "upload-100-continue":
		return post(ctx, c, upload, body(2<<20), 2<<20, true, 200)
	case "https-upload":
		return post(ctx, c, org.HTTPSURL+"/small", body(64<<10), 64<<10, false, 200)
	case "sse":
		return get(ctx, c, org.HTTPURL+"/sse?n=5&gap=20ms", 200)
	case "websocket":
		return echo(ctx, c, strings.Replace(org.HTTPURL, "http", "ws", 1)+"/ws")
	case "refused":
		return get(ctx, c, "http://127.0.0.1:1/nothing", 502)
	case "refused-upload-100-continue":
		return post(ctx, c, "http://127.0.0.1:1/upload", body(2<<20), 2<<20, true, 502)
	case "garbage":
		return garbage(proxyAddr)
	}
	return fmt.Errorf("unknown kind %q", kind)
}

func get(ctx context.Context, c *http.Client, u string, want int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	return do(c, req, want)
}

func post(ctx context.Context, c *http.Client, u string, body io.Reader, n int64, expect bool, want int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, body)
	if err != nil {
		return err
	}
	req.ContentLength = n
	req.Header.Set("Content-Type", "application/octet-stream")
	if expect {
		req.Header.Set("Expect", "100-continue")
	}
	return do(c, req, want)
}

func do(c *http.Client, req *http.Request, want int) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Errorf("%s %s: body: %w", req.Method, req.URL, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d", req.Method, req.URL, resp.StatusCode, want)
	}
	return nil
}

func echo(ctx context.Context, c *http.Client, u string) error {
	ws, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: c, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return fmt.Errorf("websocket dial: %w", err)
	}
	defer ws.CloseNow()
	for i := range 5 {
		msg := []byte("message " + strconv.Itoa(i))
		if err := ws.Write(ctx, websocket.MessageText, msg); err != nil {
			return err
		}
		if _, got, err := ws.Read(ctx); err != nil || string(got) != string(msg) {
			return fmt.Errorf("websocket echo %q: %q, %v", msg, got, err)
		}
	}
	return ws.Close(websocket.StatusNormalClosure, "done")
}

// garbage opens a connection, sends bytes that are not HTTP, and reads
// whatever siphon answers until it closes.
func garbage(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte("\x16\x03\x01\x00\xff not http at all\r\n\r\n")); err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, conn)
	return err
}

// startUploadOrigin serves /upload, which reads the whole body and answers
// with its length.
func startUploadOrigin() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "%d", n)
	}), ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(l)
	return "http://" + l.Addr().String() + "/upload", nil
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// procStatus reads VmRSS and Threads from /proc/PID/status.
func procStatus(pid int) (rss, threads string) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?", "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			rss = strings.Join(strings.Fields(v), " ")
		}
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			threads = strings.TrimSpace(v)
		}
	}
	return rss, threads
}

func countFDs(pid int) int {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return -1
	}
	return len(ents)
}
