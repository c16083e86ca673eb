package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// harSchemaPath is the HAR 1.2 JSON schema of har-validator, in one file;
// its README says where it came from.
const harSchemaPath = "../../session/testdata/har/har-1.2.schema.json"

// harSchema compiles the HAR 1.2 schema, asserting formats (date-time,
// uri, ipv4/ipv6) as har-validator does.
func harSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile(harSchemaPath)
	if err != nil {
		t.Fatalf("compile the HAR schema: %v", err)
	}
	return s
}

// checkHAR validates the HAR document in data against the schema; a nil
// error means valid.
func checkHAR(s *jsonschema.Schema, data []byte) error {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(data)))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return s.Validate(doc)
}

// validateHAR fails the test unless the HAR file at path is valid HAR 1.2.
func validateHAR(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkHAR(harSchema(t), data); err != nil {
		t.Fatalf("%s is not valid HAR 1.2: %v", path, err)
	}
}

// TestHARSchemaRejects checks that the validation is real: a valid HAR
// passes, and the same document with a required field gone, a value of
// the wrong type, or a bad format fails, naming the place.
func TestHARSchemaRejects(t *testing.T) {
	s := harSchema(t)
	valid := func() map[string]any {
		var doc map[string]any
		err := json.Unmarshal([]byte(`{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[{
			"startedDateTime":"2026-01-02T03:04:05.678Z","time":1.5,
			"request":{"method":"GET","url":"http://a.test/x?y=1","httpVersion":"HTTP/1.1","cookies":[],"headers":[],
				"queryString":[{"name":"y","value":"1"}],"headersSize":-1,"bodySize":0},
			"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","cookies":[],"headers":[{"name":"A","value":"b"}],
				"content":{"size":2,"mimeType":"text/plain","text":"hi"},"redirectURL":"","headersSize":-1,"bodySize":2},
			"cache":{},"timings":{"send":0,"wait":1,"receive":0.5},"serverIPAddress":"::1"}]}}`), &doc)
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	entry := func(doc map[string]any) map[string]any {
		return doc["log"].(map[string]any)["entries"].([]any)[0].(map[string]any)
	}
	if err := validate(s, valid()); err != nil {
		t.Fatalf("a valid HAR fails: %v", err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(doc map[string]any)
		where string // in the error
	}{
		{"no log.creator", func(d map[string]any) { delete(d["log"].(map[string]any), "creator") }, "creator"},
		{"no entries", func(d map[string]any) { delete(d["log"].(map[string]any), "entries") }, "entries"},
		{"no request.httpVersion", func(d map[string]any) { delete(entry(d)["request"].(map[string]any), "httpVersion") }, "httpVersion"},
		{"no response.content", func(d map[string]any) { delete(entry(d)["response"].(map[string]any), "content") }, "content"},
		{"no timings.wait", func(d map[string]any) { delete(entry(d)["timings"].(map[string]any), "wait") }, "wait"},
		{"status a string", func(d map[string]any) { entry(d)["response"].(map[string]any)["status"] = "200" }, "status"},
		{"negative time", func(d map[string]any) { entry(d)["time"] = -5.0 }, "time"},
		{"timing below -1", func(d map[string]any) { entry(d)["timings"].(map[string]any)["send"] = -2.0 }, "send"},
		{"bad date", func(d map[string]any) { entry(d)["startedDateTime"] = "yesterday" }, "startedDateTime"},
		{"bracketed IPv6", func(d map[string]any) { entry(d)["serverIPAddress"] = "[::1]" }, "serverIPAddress"},
	} {
		doc := valid()
		tc.edit(doc)
		err := validate(s, doc)
		var verr *jsonschema.ValidationError
		if !errors.As(err, &verr) || !strings.Contains(err.Error(), tc.where) {
			t.Errorf("%s: validation error %v, want one naming %s", tc.name, err, tc.where)
		}
	}
	// Chrome's own export fails too: its serverIPAddress values carry
	// IPv6 brackets.
	chrome, err := os.ReadFile("../../session/testdata/har/chrome-softwareishard.har")
	if err != nil {
		t.Fatal(err)
	}
	if err := checkHAR(s, chrome); err == nil || !strings.Contains(err.Error(), "serverIPAddress") {
		t.Errorf("Chrome's bracketed serverIPAddress passes: %v", err)
	}
}

// validate runs the schema on a decoded document.
func validate(s *jsonschema.Schema, doc map[string]any) error {
	data, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return checkHAR(s, data)
}
