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
	span := func(a, b Stamp) harNum { return ms(int64(Span(a, b))) }
	ready := t.RequestReceived
	first := Stamp(0)
	for _, m := range []Stamp{t.DNSStart, t.ConnectStart, t.TLSStart} {
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
		if !t.TLSDone.IsZero() && end.Before(t.TLSDone) {
			end = t.TLSDone
		}
		out.Connect = span(t.ConnectStart, end)
		ready = end
	}
	if !t.TLSStart.IsZero() && !t.TLSDone.IsZero() {
		out.SSL = span(t.TLSStart, t.TLSDone)
		if ready.IsZero() || ready.Before(t.TLSDone) {
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
		ClientConnect: Stamp(r.ClientConnect), ClientTLSStart: Stamp(r.ClientTLSStart),
		ClientTLSDone: Stamp(r.ClientTLSDone), RequestReceived: Stamp(r.RequestReceived),
		DNSStart: Stamp(r.DNSStart), DNSDone: Stamp(r.DNSDone),
		ConnectStart: Stamp(r.ConnectStart), ConnectDone: Stamp(r.ConnectDone),
		TLSStart: Stamp(r.TLSStart), TLSDone: Stamp(r.TLSDone),
		RequestSent: Stamp(r.RequestSent), FirstByte: Stamp(r.FirstByte),
		Complete: Stamp(r.Complete),
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
	at := func(d time.Duration) Stamp {
		m := start.Add(d)
		if m.Before(minMoment) || m.After(maxMoment) {
			return 0
		}
		return Stamp(m.UnixNano())
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
