package origin

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// SmallSize is the length of the /small document.
const SmallSize = 1024

// MaxMiB bounds /big?mb=N.
const MaxMiB = 4096

// SSE defaults: /sse sends DefaultEvents events DefaultEventGap apart, the
// first at once, so a proxy that buffers the stream holds the first event
// back by (DefaultEvents-1)*DefaultEventGap.
const (
	DefaultEvents   = 5
	DefaultEventGap = 50 * time.Millisecond
)

func newMux() *http.ServeMux {
	small := smallJSON()
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 16<<10) // 256 KiB
	mux := http.NewServeMux()
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(small)))
		w.Write(small)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		mb, err := strconv.Atoi(r.URL.Query().Get("mb"))
		if err != nil || mb < 0 || mb > MaxMiB {
			http.Error(w, fmt.Sprintf("want /big?mb=N with 0 <= N <= %d", MaxMiB), http.StatusBadRequest)
			return
		}
		size := int64(mb) << 20
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		for sent := int64(0); sent < size; {
			n := min(int64(len(chunk)), size-sent)
			if _, err := w.Write(chunk[:n]); err != nil {
				return
			}
			sent += n
		}
	})
	mux.HandleFunc("/sse", serveEvents)
	mux.HandleFunc("/ws", serveEcho)
	mux.HandleFunc("/wsstream", serveStream)
	return mux
}

// smallJSON is a ~1 KiB API-like document of exactly SmallSize bytes.
func smallJSON() []byte {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := 0; b.Len() < SmallSize-64; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"item %d","ok":true}`, i, i)
	}
	b.WriteString(`],"pad":"`)
	for b.Len() < SmallSize-2 {
		b.WriteByte('x')
	}
	b.WriteString(`"}`)
	return []byte(b.String())
}

// serveEvents answers /sse?n=N&gap=DURATION with N events, flushed one by
// one, the first at once.
func serveEvents(w http.ResponseWriter, r *http.Request) {
	n, gap := DefaultEvents, DefaultEventGap
	if v := r.URL.Query().Get("n"); v != "" {
		k, err := strconv.Atoi(v)
		if err != nil || k < 1 || k > 1000 {
			http.Error(w, "want n between 1 and 1000", http.StatusBadRequest)
			return
		}
		n = k
	}
	if v := r.URL.Query().Get("gap"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > 10*time.Second {
			http.Error(w, "want gap as a duration up to 10s", http.StatusBadRequest)
			return
		}
		gap = d
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	tick := time.NewTicker(max(gap, time.Millisecond))
	defer tick.Stop()
	for i := range n {
		if i > 0 {
			select {
			case <-tick.C:
			case <-r.Context().Done():
				return
			}
		}
		if _, err := fmt.Fprintf(w, "id: %d\ndata: event %d\n\n", i, i); err != nil {
			return
		}
		flusher.Flush()
	}
}

// serveEcho is a WebSocket endpoint that sends every message back.
func serveEcho(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return // Accept has answered the client
	}
	defer c.CloseNow()
	ctx := context.Background()
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		if err := c.Write(ctx, typ, data); err != nil {
			return
		}
	}
}

// MaxStream bounds the messages of /wsstream?n=N.
const MaxStream = 10_000_000

// serveStream is a WebSocket endpoint that, for /wsstream?n=N&size=S,
// sends N binary messages of S bytes (at least 8: the first 8 are the
// message's number, big endian, for the client to check the order) as
// fast as the connection takes them, then closes normally.
func serveStream(w http.ResponseWriter, r *http.Request) {
	n, err1 := strconv.Atoi(r.URL.Query().Get("n"))
	size, err2 := strconv.Atoi(r.URL.Query().Get("size"))
	if err1 != nil || err2 != nil || n < 1 || n > MaxStream || size < 8 || size > 1<<20 {
		http.Error(w, fmt.Sprintf("want /wsstream?n=N&size=S with 1 <= N <= %d and 8 <= S <= 1048576", MaxStream), http.StatusBadRequest)
		return
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx := r.Context()
	msg := bytes.Repeat([]byte{'s'}, size)
	for i := range n {
		binary.BigEndian.PutUint64(msg, uint64(i))
		if err := c.Write(ctx, websocket.MessageBinary, msg); err != nil {
			return
		}
	}
	c.Close(websocket.StatusNormalClosure, "done")
}

// discardLog keeps net/http's per-connection complaints (clients that hang
// up mid-handshake when a run ends) off the benchmark's output.
func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }
