package session

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzReadHAR reads arbitrary bytes as HAR. ReadHAR must not panic, and
// whatever it accepts must survive siphon's own export and re-import
// unchanged: WriteHAR then ReadHAR gives the same flows. The seed corpus
// in testdata/fuzz/FuzzReadHAR holds entries cut from Chrome's export,
// siphon's own and odd shapes (null fields, numbers as strings, gzip
// bodies, pseudo-headers).
func FuzzReadHAR(f *testing.F) {
	f.Add([]byte(`{"log":{"entries":[]}}`))
	f.Add([]byte(`{"log":{"version":"1.2","entries":[{"startedDateTime":"2024-01-01T00:00:00.5+01:00","time":"12.5",` +
		`"request":{"method":"POST","url":"http://a.test/?q=1","headers":[{"name":"content-encoding","value":"gzip"},{"name":":path","value":"/"}],` +
		`"postData":{"mimeType":"text/plain","text":"hi"},"bodySize":null},` +
		`"response":{"status":200,"headers":[{"name":"Content-Encoding","value":"br"}],"content":{"size":5,"text":"hello"}},` +
		`"timings":{"blocked":-0.1,"dns":1,"connect":2,"ssl":1,"send":0,"wait":3,"receive":4}}]}}`))
	var buf bytes.Buffer
	WriteHAR(&buf, HARCreator{Name: "siphon"}, fullFlow(1), smallFlow(2))
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		var first []*Flow
		_, err := ReadHAR(bytes.NewReader(data), func(f *Flow) error {
			if f.Request == nil || f.Source != Imported {
				t.Fatalf("ReadHAR gave a flow without a request or not Imported: %+v", f)
			}
			first = append(first, f)
			return nil
		})
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := WriteHAR(&out, HARCreator{Name: "siphon"}, first...); err != nil {
			t.Fatalf("WriteHAR of imported flows: %v", err)
		}
		var second []*Flow
		if _, err := ReadHAR(bytes.NewReader(out.Bytes()), func(f *Flow) error {
			second = append(second, f)
			return nil
		}); err != nil {
			t.Fatalf("re-reading siphon's own HAR: %v\n%s", err, out.Bytes())
		}
		if len(second) != len(first) {
			t.Fatalf("re-read %d flows, want %d", len(second), len(first))
		}
		for i := range first {
			if !reflect.DeepEqual(first[i], second[i]) {
				t.Fatalf("flow %d changed through export and import:\n got %s\nwant %s", i, describe(second[i]), describe(first[i]))
			}
		}
	})
}
