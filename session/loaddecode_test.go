package session

import (
	"reflect"
	"slices"
	"testing"
)

// A file's plain flows are decoded straight into compact rows, through
// memory the decoder reuses row after row and strings that alias the row
// read: each row reads back as the light snapshot a full decode gives,
// after every other row has been decoded over the same memory, and the
// flows that do not fit come out of the full decode as before.
func TestLoadDecodesRowsAsTheFullDecode(t *testing.T) {
	cases := compactCases()
	names := make([]string, 0, len(cases))
	for name := range cases {
		names = append(names, name)
	}
	slices.Sort(names)
	names = append(names, "plain") // a plain flow right before the sparse one below
	b := &loadBatch{}
	want := map[string]*Flow{}
	for i, name := range names {
		f := cases[name].f.Clone()
		f.ID, f.Seq = newID(), int64(i+1)
		stripBodies(f, nil)
		meta := marshalMeta(f)
		full, err := unmarshalMeta(meta)
		if err != nil {
			t.Fatal(err)
		}
		full.ID, full.Seq = f.ID, f.Seq
		want[f.ID] = ctypes{}.lighten(full)
		b.ids, b.seqs = append(b.ids, f.ID), append(b.seqs, f.Seq)
		b.buf = append(b.buf, meta...)
		b.ends = append(b.ends, len(b.buf))
	}
	// A row written by another tool may leave out keys: nothing of the
	// rows before it shows through.
	sparse := []byte(`{"state":"done","request":{"method":"GET","url":"http://s.test/"},"timings":{"request_received":5}}`)
	full, err := unmarshalMeta(sparse)
	if err != nil {
		t.Fatal(err)
	}
	full.ID, full.Seq = newID(), int64(len(names)+1)
	want[full.ID] = ctypes{}.lighten(full)
	names = append(names, "sparse")
	cases["sparse"] = struct {
		f    *Flow
		fits bool
	}{full, true}
	b.ids, b.seqs = append(b.ids, full.ID), append(b.seqs, full.Seq)
	b.buf = append(b.buf, sparse...)
	b.ends = append(b.ends, len(b.buf))

	res := &loadResult{ctypes: ctypes{}, compact: newCompactor()}
	dec := newMetaDecoder()
	dec.light = res.ctypes
	res.decode(dec, b)
	clear(b.buf) // the batch's memory is reused for the next one
	if len(res.entries) != len(names) || len(res.skipped) > 0 {
		t.Fatalf("decoded %d flows of %d, skipped %v", len(res.entries), len(names), res.skipped)
	}
	for i, e := range res.entries {
		got := e.snapshot()
		if w := want[got.ID]; !reflect.DeepEqual(got, w) {
			t.Errorf("%s: loaded as\n %+v\nwant\n %+v", names[i], got, w)
		}
		if fits := e.meta.Load() == nil; fits != cases[names[i]].fits {
			t.Errorf("%s: loaded as a compact row: %v, want %v", names[i], fits, cases[names[i]].fits)
		}
	}
}
