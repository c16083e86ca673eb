package session

import (
	"fmt"
	"math"
	"time"
)

// Phase is one span of HAR's timing model; it did not happen when Start
// or End is zero.
type Phase struct{ Start, End Stamp }

// Happened reports whether both ends of p are known.
func (p Phase) Happened() bool { return !p.Start.IsZero() && !p.End.IsZero() }

// HARPhases are a flow's timings as HAR 1.2 lays them out. Connect counts
// the TLS handshake as well as SSL does.
type HARPhases struct {
	Blocked, DNS, Connect, SSL, Send, Wait, Receive Phase
}

// HARPhases maps t's moments to HAR's phases, which the HAR export writes
// and the timing view draws. A reused connection has no dns, connect or
// ssl. send runs from the connection being ready to the request written,
// wait to the first response byte, receive to the end.
func (t *Timings) HARPhases() HARPhases {
	var out HARPhases
	ready := t.RequestReceived
	first := Stamp(0)
	for _, m := range []Stamp{t.DNSStart, t.ConnectStart, t.TLSStart} {
		if !m.IsZero() {
			first = m
			break
		}
	}
	if !first.IsZero() && !t.RequestReceived.IsZero() {
		out.Blocked = Phase{t.RequestReceived, first}
	}
	if !t.DNSStart.IsZero() && !t.DNSDone.IsZero() {
		out.DNS = Phase{t.DNSStart, t.DNSDone}
		ready = t.DNSDone
	}
	if !t.ConnectStart.IsZero() && !t.ConnectDone.IsZero() {
		end := t.ConnectDone
		if !t.TLSDone.IsZero() && end.Before(t.TLSDone) {
			end = t.TLSDone
		}
		out.Connect = Phase{t.ConnectStart, end}
		ready = end
	}
	if !t.TLSStart.IsZero() && !t.TLSDone.IsZero() {
		out.SSL = Phase{t.TLSStart, t.TLSDone}
		if ready.IsZero() || ready.Before(t.TLSDone) {
			ready = t.TLSDone
		}
	}
	out.Send = Phase{ready, t.RequestSent}
	out.Wait = Phase{t.RequestSent, t.FirstByte}
	out.Receive = Phase{t.FirstByte, t.Complete}
	return out
}

// harTimingsOf writes t's HAR phases in milliseconds: -1 for an optional
// phase that did not happen, 0 for a required one.
func harTimingsOf(t *Timings) harTimings {
	p := t.HARPhases()
	span := func(p Phase) harNum { return ms(int64(Span(p.Start, p.End))) }
	optional := func(p Phase) harNum {
		if !p.Happened() {
			return -1
		}
		return span(p)
	}
	return harTimings{Blocked: optional(p.Blocked), DNS: optional(p.DNS), Connect: optional(p.Connect),
		SSL: optional(p.SSL), Send: span(p.Send), Wait: span(p.Wait), Receive: span(p.Receive)}
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
