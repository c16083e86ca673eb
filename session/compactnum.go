package session

import (
	"encoding/binary"
	"math/bits"
)

// How a compact row (compact.go) keeps a flow's timings and body sizes:
// varints in the store's arena, after the URL and the client's address.

// timingFields are the timings a compactRow keeps in its strs, in order:
// Complete first, so that sorting by duration reads one number a flow.
var timingFields = [...]func(t *Timings) *Stamp{
	func(t *Timings) *Stamp { return &t.Complete },
	func(t *Timings) *Stamp { return &t.ClientConnect },
	func(t *Timings) *Stamp { return &t.ClientTLSStart },
	func(t *Timings) *Stamp { return &t.ClientTLSDone },
	func(t *Timings) *Stamp { return &t.DNSStart },
	func(t *Timings) *Stamp { return &t.DNSDone },
	func(t *Timings) *Stamp { return &t.ConnectStart },
	func(t *Timings) *Stamp { return &t.ConnectDone },
	func(t *Timings) *Stamp { return &t.TLSStart },
	func(t *Timings) *Stamp { return &t.TLSDone },
	func(t *Timings) *Stamp { return &t.RequestSent },
	func(t *Timings) *Stamp { return &t.FirstByte },
}

// appendNumbers appends f's timings and body sizes to b, as a compact
// row keeps them: a 16-bit mask of the timingFields that happened, each
// as a zigzag varint offset from RequestReceived, then the request's and
// the response's body size as zigzag varints.
func appendNumbers(b []byte, f *Flow) []byte {
	t := &f.Timings
	var mask uint16
	for i, get := range timingFields {
		if *get(t) != 0 {
			mask |= 1 << i
		}
	}
	b = binary.LittleEndian.AppendUint16(b, mask)
	for _, get := range timingFields {
		if v := *get(t); v != 0 {
			b = binary.AppendVarint(b, int64(v-t.RequestReceived))
		}
	}
	b = binary.AppendVarint(b, f.Request.Body.Size)
	var resp int64
	if f.Response != nil {
		resp = f.Response.Body.Size
	}
	return binary.AppendVarint(b, resp)
}

// readNumbers sets t's timings from their encoding in b (appendNumbers)
// and returns the body sizes. It runs for every flow a filter looks at:
// it visits only the timings that happened, and sets each without a call
// through timingFields.
func readNumbers(b string, t *Timings) (reqSize, respSize int64) {
	mask := uint16(b[0]) | uint16(b[1])<<8
	b = b[2:]
	var d int64
	for m := mask; m != 0; m &= m - 1 {
		d, b = readVarint(b)
		setTiming(t, bits.TrailingZeros16(m), t.RequestReceived+Stamp(d))
	}
	reqSize, b = readVarint(b)
	respSize, _ = readVarint(b)
	return reqSize, respSize
}

// setTiming sets *timingFields[i](t) to v.
func setTiming(t *Timings, i int, v Stamp) {
	switch i {
	case 0:
		t.Complete = v
	case 1:
		t.ClientConnect = v
	case 2:
		t.ClientTLSStart = v
	case 3:
		t.ClientTLSDone = v
	case 4:
		t.DNSStart = v
	case 5:
		t.DNSDone = v
	case 6:
		t.ConnectStart = v
	case 7:
		t.ConnectDone = v
	case 8:
		t.TLSStart = v
	case 9:
		t.TLSDone = v
	case 10:
		t.RequestSent = v
	case 11:
		t.FirstByte = v
	}
}

// complete is the flow's Timings.Complete, read without the others (see
// timingFields).
func (r *compactRow) complete() Stamp {
	b := r.strs[int(r.urlLen)+int(r.clientLen):]
	if b[0]&1 == 0 {
		return 0
	}
	d, _ := readVarint(b[2:])
	return r.received + Stamp(d)
}

// sizes are the request's and the response's body sizes, read without
// the timings.
func (r *compactRow) sizes() (req, resp int64) {
	b := r.strs[int(r.urlLen)+int(r.clientLen):]
	mask := uint16(b[0]) | uint16(b[1])<<8
	b = b[2:]
	for range bits.OnesCount16(mask) {
		b = skipVarint(b)
	}
	req, b = readVarint(b)
	resp, _ = readVarint(b)
	return req, resp
}

// skipVarint returns b past the varint at its front.
func skipVarint(b string) string {
	k := 0
	for b[k] >= 0x80 {
		k++
	}
	return b[k+1:]
}

// readVarint reads a zigzag varint off the front of b (binary.Varint,
// for a string).
func readVarint(b string) (int64, string) {
	var u uint64
	var shift uint
	for k := 0; ; k++ {
		c := b[k]
		u |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return int64(u>>1) ^ -int64(u&1), b[k+1:]
		}
		shift += 7
	}
}
