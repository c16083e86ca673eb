// Command chromews records chrome-websocket.har: a page on a loopback
// server opens a WebSocket to an echo endpoint there and exchanges text
// and binary messages, in headless Chromium; Chromium's own DevTools
// front end (devtools://devtools/bundled, attached to the page) then
// builds the HAR with its HAR writer, the code behind the Network panel's
// "Export HAR". Run from this directory: go run ./chromews > chrome-websocket.har
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

const page = `<!doctype html><title>ws</title><script>
const ws = new WebSocket("ws://" + location.host + "/echo");
ws.binaryType = "arraybuffer";
const sends = [JSON.stringify({hello: "world", n: 1}), new Uint8Array([0, 1, 2, 3, 255, 254, 253]).buffer, "héllo, wörld ✓"];
let got = 0;
ws.onopen = () => ws.send(sends[0]);
ws.onmessage = () => { got++; if (got < sends.length) ws.send(sends[got]); else ws.close(1000, "done"); };
ws.onclose = () => { document.title = "done"; };
</script>`

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "chromews:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if c.Write(r.Context(), typ, msg) != nil {
				return
			}
		}
	})
	go http.Serve(ln, mux)

	dir, err := os.MkdirTemp("", "chromews")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, "chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
		"--remote-debugging-port=0", "--remote-allow-origins=*", "--user-data-dir="+dir, "about:blank")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	hostPort, err := devtoolsAddr(stderr)
	if err != nil {
		return err
	}

	pageID, err := firstPage(ctx, hostPort)
	if err != nil {
		return err
	}
	front, err := newTab(ctx, hostPort, "devtools://devtools/bundled/devtools_app.html?ws="+hostPort+"/devtools/page/"+pageID)
	if err != nil {
		return err
	}
	fc, err := dial(ctx, hostPort, front)
	if err != nil {
		return err
	}
	pc, err := dial(ctx, hostPort, pageID)
	if err != nil {
		return err
	}
	// Wait until the front end has attached and its network log runs.
	if _, err := fc.poll(ctx, `(async () => { try {
		const Logs = await import('./models/logs/logs.js');
		const SDK = await import('./core/sdk/sdk.js');
		return SDK.TargetManager.TargetManager.instance().primaryPageTarget() ? "ready" : "";
	} catch (e) { return ""; } })()`, "ready"); err != nil {
		return fmt.Errorf("front end: %w", err)
	}
	url := "http://" + ln.Addr().String() + "/"
	if _, err := pc.call(ctx, "Page.navigate", map[string]any{"url": url}); err != nil {
		return err
	}
	if _, err := pc.poll(ctx, `document.title`, "done"); err != nil {
		return fmt.Errorf("page: %w", err)
	}
	har, err := fc.poll(ctx, `(async () => {
		const HAR = await import('./models/har/har.js');
		const Logs = await import('./models/logs/logs.js');
		const requests = Logs.NetworkLog.NetworkLog.instance().requests();
		const ws = requests.find(r => r.url().endsWith('/echo'));
		if (!ws || ws.frames().filter(f => f.type !== 'error').length < 6) return "";
		let out = "";
		const stream = {write: async s => { out += s; }, close: async () => {}};
		await HAR.Writer.Writer.write(stream, requests, {sanitize: false}, {setTitle(){}, setTotalWork(){}, setWorked(){}, incrementWorked(){}, done(){}, isCanceled(){ return false; }, worked(){}});
		return out;
	})()`, "")
	if err != nil {
		return fmt.Errorf("export HAR: %w", err)
	}
	_, err = os.Stdout.WriteString(har)
	return err
}

func devtoolsAddr(stderr io.Reader) (string, error) {
	re := regexp.MustCompile(`DevTools listening on ws://([^/]+)/`)
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			go func() {
				for sc.Scan() {
				}
			}()
			return m[1], nil
		}
	}
	return "", errors.New("chromium did not say where DevTools listens")
}

type target struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	URL  string `json:"url"`
}

func firstPage(ctx context.Context, hostPort string) (string, error) {
	var ts []target
	if err := getJSON(ctx, http.MethodGet, "http://"+hostPort+"/json/list", &ts); err != nil {
		return "", err
	}
	for _, t := range ts {
		if t.Type == "page" {
			return t.ID, nil
		}
	}
	return "", errors.New("no page target")
}

func newTab(ctx context.Context, hostPort, url string) (string, error) {
	var t target
	if err := getJSON(ctx, http.MethodPut, "http://"+hostPort+"/json/new?"+url, &t); err != nil {
		return "", err
	}
	return t.ID, nil
}

func getJSON(ctx context.Context, method, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	return json.NewDecoder(res.Body).Decode(v)
}

// cdp is a minimal DevTools protocol client of one target.
type cdp struct {
	c       *websocket.Conn
	mu      sync.Mutex
	next    int
	waiting map[int]chan json.RawMessage
}

func dial(ctx context.Context, hostPort, id string) (*cdp, error) {
	c, _, err := websocket.Dial(ctx, "ws://"+hostPort+"/devtools/page/"+id, nil)
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(64 << 20)
	d := &cdp{c: c, waiting: map[int]chan json.RawMessage{}}
	go func() {
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var m struct {
				ID int `json:"id"`
			}
			if json.Unmarshal(b, &m) == nil && m.ID != 0 {
				d.mu.Lock()
				ch := d.waiting[m.ID]
				delete(d.waiting, m.ID)
				d.mu.Unlock()
				if ch != nil {
					ch <- b
				}
			}
		}
	}()
	return d, nil
}

func (d *cdp) call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	d.mu.Lock()
	d.next++
	id := d.next
	ch := make(chan json.RawMessage, 1)
	d.waiting[id] = ch
	d.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err := d.c.Write(ctx, websocket.MessageText, b); err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// poll evaluates expr until it returns want (any non-empty string when
// want is ""), every 200 ms, within ctx.
func (d *cdp) poll(ctx context.Context, expr, want string) (string, error) {
	for {
		r, err := d.call(ctx, "Runtime.evaluate", map[string]any{"expression": expr, "awaitPromise": true, "returnByValue": true})
		if err != nil {
			return "", err
		}
		var res struct {
			Result struct {
				Result struct {
					Value any `json:"value"`
				} `json:"result"`
				ExceptionDetails any `json:"exceptionDetails"`
			} `json:"result"`
		}
		json.Unmarshal(r, &res)
		if s, ok := res.Result.Result.Value.(string); ok && (s == want || want == "" && s != "") {
			return s, nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%w; last answer %s", ctx.Err(), strings.TrimSpace(string(r)))
		case <-time.After(200 * time.Millisecond):
		}
	}
}
