package session

import (
	"net/http"
	"time"
)

// flowRecord is the JSON stored in the flows.meta column: every field of a
// Flow except body bytes. It is the file format, kept apart from the Go
// struct so that renaming a field in Flow does not change stored sessions.
// Times are Unix nanoseconds, 0 meaning "did not happen". appendMeta
// writes it, as encoding/json would (TestAppendMetaIsJSON); metaDecoder
// reads it back; both must follow any change here.
// JSON strings are UTF-8: invalid bytes in a header value (rare obs-text)
// are stored as U+FFFD.
type flowRecord struct {
	ID       string          `json:"id"`
	Seq      int64           `json:"seq"`
	State    string          `json:"state"`
	Source   string          `json:"source"`
	Kind     string          `json:"kind"`
	Client   peerRecord      `json:"client,omitzero"`
	Server   peerRecord      `json:"server,omitzero"`
	Request  *requestRecord  `json:"request,omitempty"`
	Response *responseRecord `json:"response,omitempty"`
	Original *requestRecord  `json:"original,omitempty"`
	Err      *errorRecord    `json:"error,omitempty"`
	Timings  timingsRecord   `json:"timings,omitzero"`
	Marked   bool            `json:"marked,omitempty"`
	Comment  string          `json:"comment,omitempty"`
	Stream   *streamRecord   `json:"stream,omitempty"`
	Listener string          `json:"listener,omitempty"`
}

type peerRecord struct {
	Addr       string `json:"addr,omitempty"`
	SNI        string `json:"sni,omitempty"`
	TLSVersion string `json:"tls_version,omitempty"`
	ALPN       string `json:"alpn,omitempty"`
}

// requestRecord and responseRecord hold a message's trailer fields under
// "trailer", left out when there are none (files written before trailers
// were kept have none).
type requestRecord struct {
	Method  string      `json:"method"`
	URL     string      `json:"url"`
	Proto   string      `json:"proto,omitempty"`
	Header  http.Header `json:"header"`
	Body    bodyRecord  `json:"body,omitzero"`
	Trailer http.Header `json:"trailer,omitempty"`
}

type responseRecord struct {
	Status  int         `json:"status"`
	Reason  string      `json:"reason,omitempty"`
	Proto   string      `json:"proto,omitempty"`
	Header  http.Header `json:"header"`
	Body    bodyRecord  `json:"body,omitzero"`
	Trailer http.Header `json:"trailer,omitempty"`
}

// bodyRecord describes a body; its bytes live in their own column.
type bodyRecord struct {
	Size      int64 `json:"size,omitempty"`
	Truncated bool  `json:"truncated,omitempty"`
}

type errorRecord struct {
	Phase string `json:"phase"`
	Msg   string `json:"msg"`
	Hint  string `json:"hint,omitempty"`
}

type timingsRecord struct {
	ClientConnect   int64 `json:"client_connect,omitempty"`
	ClientTLSStart  int64 `json:"client_tls_start,omitempty"`
	ClientTLSDone   int64 `json:"client_tls_done,omitempty"`
	RequestReceived int64 `json:"request_received,omitempty"`
	DNSStart        int64 `json:"dns_start,omitempty"`
	DNSDone         int64 `json:"dns_done,omitempty"`
	ConnectStart    int64 `json:"connect_start,omitempty"`
	ConnectDone     int64 `json:"connect_done,omitempty"`
	TLSStart        int64 `json:"tls_start,omitempty"`
	TLSDone         int64 `json:"tls_done,omitempty"`
	RequestSent     int64 `json:"request_sent,omitempty"`
	FirstByte       int64 `json:"first_byte,omitempty"`
	Complete        int64 `json:"complete,omitempty"`
}

type streamRecord struct {
	BytesUp    int64 `json:"bytes_up"`
	BytesDown  int64 `json:"bytes_down"`
	FramesUp   int64 `json:"frames_up,omitempty"`
	FramesDown int64 `json:"frames_down,omitempty"`
	PingsUp    int64 `json:"pings_up,omitempty"`
	PingsDown  int64 `json:"pings_down,omitempty"`
	PongsUp    int64 `json:"pongs_up,omitempty"`
	PongsDown  int64 `json:"pongs_down,omitempty"`
	Closed     int64 `json:"closed,omitempty"`
}

// marshalMeta encodes f's metadata (no body bytes) as stored in flows.meta.
func marshalMeta(f *Flow) []byte { return appendMeta(nil, f) }

func requestToRecord(q *Request) *requestRecord {
	if q == nil {
		return nil
	}
	return &requestRecord{Method: q.Method, URL: q.URL, Proto: q.Proto, Header: q.Header,
		Body: bodyRecord{q.Body.Size, q.Body.Truncated}, Trailer: q.Trailer}
}

func timingsToRecord(t *Timings) timingsRecord {
	return timingsRecord{
		ClientConnect: int64(t.ClientConnect), ClientTLSStart: int64(t.ClientTLSStart),
		ClientTLSDone: int64(t.ClientTLSDone), RequestReceived: int64(t.RequestReceived),
		DNSStart: int64(t.DNSStart), DNSDone: int64(t.DNSDone),
		ConnectStart: int64(t.ConnectStart), ConnectDone: int64(t.ConnectDone),
		TLSStart: int64(t.TLSStart), TLSDone: int64(t.TLSDone),
		RequestSent: int64(t.RequestSent), FirstByte: int64(t.FirstByte),
		Complete: int64(t.Complete),
	}
}

// unixNano stores a moment as Unix nanoseconds; the zero time is 0. Moments
// outside the years 1678 to 2262 are not representable.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}
