package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// TestHARExportValidatesAndReimports is the acceptance test of HAR export:
// a session captured through siphon (HTTP, HTTPS, a gzip response, a
// binary upload, a refused connection) exports as a HAR file that the
// HAR 1.2 schema accepts, and importing that file gives the same flows.
func TestHARExportValidatesAndReimports(t *testing.T) {
	sess, _, _, _, originCA := capturedSession(t)
	// Continue the session with a failure: a refused connection.
	c := startDump(t, "", "--session", sess, "--upstream-ca", originCA)
	curl(t, "-x", "http://"+c.addr, "-o", "/dev/null", "http://127.0.0.1:1/refused")
	if code := c.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("siphon dump exit %d", code)
	}

	dir := t.TempDir()
	harPath := filepath.Join(dir, "capture.har")
	if _, errOut, code := runSiphon(t, "export", "--format", "har", "-o", harPath, sess); code != 0 {
		t.Fatalf("export har: exit %d\n%s", code, errOut)
	}
	validateHAR(t, harPath) // TestHARSchemaRejects shows the validation is strict

	var doc struct {
		Log struct {
			Creator struct{ Name string }
			Entries []struct {
				Request struct {
					Method   string
					PostData *struct{ Text, Encoding string } `json:"postData"`
				}
				Response struct {
					Status  int
					Content struct{ Text, Encoding string }
				}
				Timings map[string]float64
				Siphon  *struct {
					Error *struct{ Phase string }
				} `json:"_siphon"`
			}
		}
	}
	data, err := os.ReadFile(harPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	e := doc.Log.Entries
	if doc.Log.Creator.Name != "siphon" || len(e) != 7 {
		t.Fatalf("creator %q, %d entries; want siphon and 7", doc.Log.Creator.Name, len(e))
	}
	if pd := e[1].Request.PostData; pd == nil || e[1].Request.Method != "PUT" || pd.Text == "" {
		t.Errorf("binary PUT postData: %+v", pd)
	}
	if c := e[2].Response.Content; !strings.HasPrefix(c.Text, `{"compressed":true`) {
		t.Errorf("gzip response exported as %q, want the decoded JSON", c.Text)
	}
	if last := e[6]; last.Response.Status != 0 || last.Siphon == nil || last.Siphon.Error == nil || last.Siphon.Error.Phase != session.PhaseDial {
		t.Errorf("refused connection entry: status %d, _siphon %+v", last.Response.Status, last.Siphon)
	}
	for i, en := range e {
		for _, k := range []string{"send", "wait", "receive"} {
			if v, ok := en.Timings[k]; !ok || v < 0 {
				t.Errorf("entry %d timings.%s = %v", i, k, v)
			}
		}
	}

	reimported := filepath.Join(dir, "re.db")
	_, errOut, code := runSiphon(t, "import", harPath, "--session", reimported)
	if code != 0 || !strings.Contains(errOut, "imported 7 flows") {
		t.Fatalf("import: exit %d\n%s", code, errOut)
	}
	orig, err := session.Open(sess, session.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	re, err := session.Open(reimported, session.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer re.Close()
	if re.Len() != orig.Len() {
		t.Fatalf("re-imported %d flows, session has %d", re.Len(), orig.Len())
	}
	for _, lf := range orig.List(nil, 0, -1) {
		want, err := orig.Get(lf.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := re.Get(lf.ID)
		if err != nil {
			t.Fatalf("flow %s (#%d) missing after re-import: %v", lf.ID, lf.Seq, err)
		}
		if got.Source != session.Imported {
			t.Errorf("re-imported flow source %v", got.Source)
		}
		got.Source = want.Source
		if !reflect.DeepEqual(got, want) {
			t.Errorf("flow #%d differs after export and import:\n got %+v\nwant %+v", want.Seq, got, want)
		}
	}
}

func TestImportBadHARLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.har")
	os.WriteFile(bad, []byte(`{"log":{"entries":[{"request":{"method":"GET","url":"http://a/"},"startedDateTime":"2024-01-01T00:00:00Z"},{}]}}`), 0o600)
	out := filepath.Join(dir, "out.db")
	_, errOut, code := runSiphon(t, "import", bad, "--session", out)
	if code != 1 || !strings.Contains(errOut, "entry 1: no request") {
		t.Errorf("import of a bad HAR: exit %d %q", code, errOut)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed import left %s behind (%v)", out, err)
	}
	_, errOut, code = runSiphon(t, "import", filepath.Join(dir, "none.har"))
	if code != 2 || !strings.Contains(errOut, "no such file") {
		t.Errorf("import of a missing file: exit %d %q", code, errOut)
	}
}
