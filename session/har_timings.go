package session

import (
	"fmt"
	"math"
	"time"
)

// harTimingsOf maps siphon's moments to HAR's phases. HAR counts the TLS
// handshake in connect as well as in ssl. A reused connection has no dns,
// connect or ssl (-1). send runs from the connection being ready to the
// request written, wait to the first response byte, receive to the end.
func harTimingsOf(t *Timings) harTimings {
	out := harTimings{Blocked: -1, DNS: -1, Connect: -1, SSL: -1}
	span := func(a, b time.Time) harNum { return ms(int64(Span(a, b))) }
	ready := t.RequestReceived
	first := time.Time{}
	for _, m := range []time.Time{t.DNSStart, t.ConnectStart, t.TLSStart} {
		if !m.IsZero() {
			first = m
			break
		}
	}
	if !first.IsZero() && !t.RequestReceived.IsZero() {
		out.Blocked = span(t.RequestReceived, first)
	}
	if !t.DNSStart.IsZero() && !t.DNSDone.IsZero() {
		out.DNS = span(t.DNSStart, t.DNSDone)
		ready = t.DNSDone
	}
	if !t.ConnectStart.IsZero() && !t.ConnectDone.IsZero() {
		end := t.ConnectDone
		if t.TLSDone.After(end) {
			end = t.TLSDone
		}
		out.Connect = span(t.ConnectStart, end)
		ready = end
	}
	if !t.TLSStart.IsZero() && !t.TLSDone.IsZero() {
		out.SSL = span(t.TLSStart, t.TLSDone)
		if t.TLSDone.After(ready) {
			ready = t.TLSDone
		}
	}
	out.Send = span(ready, t.RequestSent)
	out.Wait = span(t.RequestSent, t.FirstByte)
	out.Receive = span(t.FirstByte, t.Complete)
	return out
}

func timingsFromRecord(r *timingsRecord) Timings {
	return Timings{
		ClientConnect: fromUnixNano(r.ClientConnect), ClientTLSStart: fromUnixNano(r.ClientTLSStart),
		ClientTLSDone: fromUnixNano(r.ClientTLSDone), RequestReceived: fromUnixNano(r.RequestReceived),
		DNSStart: fromUnixNano(r.DNSStart), DNSDone: fromUnixNano(r.DNSDone),
		ConnectStart: fromUnixNano(r.ConnectStart), ConnectDone: fromUnixNano(r.ConnectDone),
		TLSStart: fromUnixNano(r.TLSStart), TLSDone: fromUnixNano(r.TLSDone),
		RequestSent: fromUnixNano(r.RequestSent), FirstByte: fromUnixNano(r.FirstByte),
		Complete: fromUnixNano(r.Complete),
	}
}

// Moments siphon can store: Unix nanoseconds in an int64.
var (
	minMoment = time.Unix(0, math.MinInt64+1)
	maxMoment = time.Unix(0, math.MaxInt64)
)

// timingsOfHAR rebuilds moments from startedDateTime and the phases, laid
// end to end as HAR defines them; -1 (or a negative, as Chrome sometimes
// writes for blocked) is a phase that did not happen.
func timingsOfHAR(e *harEntry) (Timings, error) {
	var t Timings
	start, err := time.Parse(time.RFC3339Nano, e.StartedDateTime)
	if err != nil {
		return t, fmt.Errorf("startedDateTime %q: want an ISO 8601 date and time", e.StartedDateTime)
	}
	if start.Before(minMoment) || start.After(maxMoment) {
		return t, fmt.Errorf("startedDateTime %q is out of range", e.StartedDateTime)
	}
	at := func(d time.Duration) time.Time {
		m := start.Add(d)
		if m.Before(minMoment) || m.After(maxMoment) {
			return time.Time{}
		}
		return fromUnixNano(m.UnixNano())
	}
	dur := func(n harNum) (time.Duration, bool) {
		if n < 0 || n > 1e10 { // over 115 days is not a timing
			return 0, false
		}
		return time.Duration(math.Round(float64(n) * 1e6)), true
	}
	tm := &e.Timings
	cursor := time.Duration(0)
	t.RequestReceived = at(0)
	if d, ok := dur(tm.Blocked); ok {
		cursor += d
	}
	if d, ok := dur(tm.DNS); ok {
		t.DNSStart, t.DNSDone = at(cursor), at(cursor+d)
		cursor += d
	}
	if d, ok := dur(tm.Connect); ok {
		t.ConnectStart, t.ConnectDone = at(cursor), at(cursor+d)
		if s, ok := dur(tm.SSL); ok && s <= d {
			t.TLSStart, t.TLSDone = at(cursor+d-s), at(cursor+d)
		}
		cursor += d
	}
	if d, ok := dur(tm.Send); ok {
		cursor += d
		t.RequestSent = at(cursor)
	}
	if d, ok := dur(tm.Wait); ok {
		cursor += d
		t.FirstByte = at(cursor)
	}
	if d, ok := dur(tm.Receive); ok {
		cursor += d
	}
	if d, ok := dur(e.Time); ok && d > 0 {
		cursor = d
	}
	t.Complete = at(cursor)
	return t, nil
}
