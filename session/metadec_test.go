package session

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func metaFlows() []*Flow {
	odd := fullFlow(3)
	odd.ID, odd.Seq = "id-3", 3
	odd.Comment = "quotes \" backslash \\ tab \t newline \n nul \x00 <html> & ünïcødé 🎉"
	odd.Request.URL = `http://x.test/a?b="c"&d=<e>`
	odd.Request.Header = http.Header{"Empty": {}, "Nil": nil, "X-Esc": {"\"v\"", "\u2028"}}
	odd.Response.Header = http.Header{}
	odd.Err = &Error{}
	odd.Stream = &StreamStats{}
	odd.Timings = Timings{RequestReceived: at(-5, 0)} // before 1970
	full := fullFlow(1)
	full.ID, full.Seq = "id-1", 1
	return []*Flow{full, odd, {ID: "bare"}}
}

func TestMetaRoundTrip(t *testing.T) {
	for _, f := range metaFlows() {
		data := marshalMeta(f)
		got, err := unmarshalMeta(data)
		if err != nil {
			t.Fatalf("decode %s: %v", data, err)
		}
		if want := withoutBodies(f); !reflect.DeepEqual(got, want) {
			t.Errorf("round trip of %s:\n got %+v\nwant %+v", f.ID, got, want)
		}
		// Reformatted JSON (a user's tools may rewrite it) reads the same.
		var generic any
		if err := json.Unmarshal(data, &generic); err != nil {
			t.Fatal(err)
		}
		pretty, _ := json.MarshalIndent(generic, "", "\t")
		if again, err := unmarshalMeta(pretty); err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("indented JSON of %s decodes to %+v, %v", f.ID, again, err)
		}
	}
}

func TestMetaDecodeSkipsUnknownKeys(t *testing.T) {
	data := `{"id":"a","future":{"x":[1,2.5e3,-1,{"y":null}],"z":true},"seq":7,"state":"done",
		"source":"live","kind":"http","request":{"method":"GET","url":"u","header":null,"new":"s"},
		"timings":{"later":123,"complete":1700000000000000000}}`
	f, err := unmarshalMeta([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != "a" || f.Seq != 7 || f.State != Done || f.Request.Method != "GET" || f.Timings.Complete.IsZero() {
		t.Errorf("decoded %+v", f)
	}
}

func TestMetaDecodeRejectsBadInput(t *testing.T) {
	valid := marshalMeta(metaFlows()[0])
	// Every proper prefix of a valid record is an error, never a panic.
	for i := range len(valid) {
		if _, err := unmarshalMeta(valid[:i]); err == nil {
			t.Errorf("prefix of %d bytes decoded without error", i)
		}
	}
	for _, bad := range []string{
		`[]`, `{"id":1}`, `{"seq":"1"}`, `{"seq":1.5}`, `{"seq":99999999999999999999}`,
		`{"state":"sleeping"}`, `{"marked":tru}`, `{"id":"a"} x`, `{"id":"a",}`,
		`{"id":"\x01"}`, `{"id":"\u12"}`, `{"request":{"header":{"A":[1]}}}`,
		`{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`,
	} {
		if f, err := unmarshalMeta([]byte(bad)); err == nil {
			t.Errorf("%s decoded to %+v, want an error", bad, f)
		}
	}
}

// FuzzDecodeMeta checks that the metadata decoder never panics and that
// what it accepts survives another round through the file format.
func FuzzDecodeMeta(f *testing.F) {
	for _, fl := range metaFlows() {
		data := marshalMeta(fl)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fl, err := unmarshalMeta(data)
		if err != nil {
			return
		}
		again := marshalMeta(fl)
		back, err := unmarshalMeta(again)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v\n%s", err, again)
		}
		// Invalid UTF-8 is replaced on encoding, so compare the second round.
		third, err := unmarshalMeta(mustMarshal(t, back))
		if err != nil || !reflect.DeepEqual(third, back) {
			t.Errorf("unstable round trip: %+v, %v\nwant %+v", third, err, back)
		}
	})
}

func mustMarshal(t *testing.T, f *Flow) []byte {
	t.Helper()
	return marshalMeta(f)
}
