package session

import (
	"net/http"
	"reflect"
)

// With Options.ShareHeaders, Update keeps the messages of the snapshot it
// replaces where the flow handed to it did not change them: the proxy
// updates a flow with its response and again when it completes, and
// copying the request twice and the response once more was a fifth of
// the bytes a recorded flow allocated. A message is unchanged when every
// field is equal, its header and trailer are the same maps (which the
// caller does not modify once handed over), and its body has the same
// bytes in memory. Snapshots' messages are never modified, only replaced,
// so sharing them is safe.

// shellOf is kept(f) with f's own messages, which reuseMessages replaces
// by the store's under Store.mu.
func shellOf(f *Flow) *Flow {
	c := *f
	if f.Err != nil {
		e := *f.Err
		c.Err = &e
	}
	if f.Stream != nil {
		s := *f.Stream
		c.Stream = &s
	}
	return &c
}

// reuseMessages gives c, a shell of the flow handed to Update, prev's
// messages where they are unchanged and copies of its own otherwise.
// old are the bodies in memory of prev; Store.mu is held.
func reuseMessages(c, prev *Flow, old *bodyParts) {
	shared := !prev.HeadersUnloaded // a light snapshot's headers are not the caller's maps
	if c.Request != nil {
		if shared && prev.Request != nil && sameRequest(c.Request, prev.Request, old.get(partRequest)) {
			c.Request = prev.Request
		} else {
			r := *c.Request
			c.Request = &r
		}
	}
	if c.Response != nil {
		if shared && prev.Response != nil && sameResponse(c.Response, prev.Response, old.get(partResponse)) {
			c.Response = prev.Response
		} else {
			r := *c.Response
			c.Response = &r
		}
	}
	if c.Original != nil {
		if shared && prev.Original != nil && sameRequest(c.Original, prev.Original, old.get(partOriginal)) {
			c.Original = prev.Original
		} else {
			r := *c.Original
			c.Original = &r
		}
	}
}

// sameRequest says whether q, handed to Update, is stored as s already,
// its body's bytes as part. TestSameMessageKnowsEveryField keeps it in
// step with Request's fields.
func sameRequest(q, s *Request, part bodyPart) bool {
	return q.Method == s.Method && q.URL == s.URL && q.Proto == s.Proto &&
		sameHeaderMap(q.Header, s.Header) && sameHeaderMap(q.Trailer, s.Trailer) && sameBody(q.Body, s.Body, part)
}

// sameResponse is sameRequest for a response.
func sameResponse(q, s *Response, part bodyPart) bool {
	return q.Status == s.Status && q.Reason == s.Reason && q.Proto == s.Proto &&
		sameHeaderMap(q.Header, s.Header) && sameHeaderMap(q.Trailer, s.Trailer) && sameBody(q.Body, s.Body, part)
}

// sameBody says whether b, handed to Update, is stored as s (a body
// stripped of its bytes) with its bytes as part.
func sameBody(b, s Body, part bodyPart) bool {
	if b.Size != s.Size || b.Truncated != s.Truncated || s.Data != nil || !s.Unloaded {
		return false
	}
	if b.Unloaded {
		return true // stripBodies keeps the stored bytes
	}
	return part.inMem && len(b.Data) == len(part.data) && (len(b.Data) == 0 || &b.Data[0] == &part.data[0])
}

// sameHeaderMap says whether a and b are the same map (not merely equal).
func sameHeaderMap(a, b http.Header) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}
