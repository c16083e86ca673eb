package certs

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/internal/testutil"
)

// TestAndroidFileNameMatchesOpenSSL checks the Android store name against
// openssl's own subject_hash_old, for siphon's CA and for CAs with subjects
// of other shapes (several attributes, non-ASCII, RSA).
func TestAndroidFileNameMatchesOpenSSL(t *testing.T) {
	openssl := testutil.NeedCommand(t, "openssl")
	cas := map[string]*CA{"created": newTestCA(t)}
	for name, cn := range map[string]string{"ascii": "Test CA", "utf8": "Prüf-CA ☃ <&>"} {
		dir := t.TempDir()
		tmpl := caTemplate(time.Now())
		tmpl.Subject.CommonName = cn
		tmpl.Subject.Organization = []string{"Example Org"}
		tmpl.Subject.Country = []string{"DE"}
		writeCA(t, dir, tmpl, newECKey(t), "PRIVATE KEY")
		ca, err := LoadOrCreate(dir)
		if err != nil {
			t.Fatal(err)
		}
		cas[name] = ca
	}
	for name, ca := range cas {
		out, err := exec.Command(openssl, "x509", "-subject_hash_old", "-noout", "-in", ca.CertPath()).Output()
		if err != nil {
			t.Fatalf("%s: openssl: %v", name, err)
		}
		want := strings.TrimSpace(string(out)) + ".0"
		if got := ca.AndroidFileName(); got != want {
			t.Errorf("%s: AndroidFileName() = %q, openssl says %q", name, got, want)
		}
		if !regexp.MustCompile(`^[0-9a-f]{8}\.0$`).MatchString(ca.AndroidFileName()) {
			t.Errorf("%s: AndroidFileName() = %q, want 8 lower-case hex digits and .0", name, ca.AndroidFileName())
		}
		// The file must be a certificate openssl reads, equal to the CA.
		path := filepath.Join(t.TempDir(), ca.AndroidFileName())
		writeFile(t, path, ca.AndroidSystemFile())
		der, err := exec.Command(openssl, "x509", "-in", path, "-outform", "DER").Output()
		if err != nil {
			t.Fatalf("%s: openssl cannot read the Android file: %v", name, err)
		}
		if !bytes.Equal(der, ca.Certificate().Raw) {
			t.Errorf("%s: the Android file holds another certificate", name)
		}
	}
}

func TestMobileConfig(t *testing.T) {
	ca := newTestCA(t)
	profile := ca.MobileConfig()
	root, err := parsePlist(profile)
	if err != nil {
		t.Fatalf("the profile is not a property list: %v\n%s", err, profile)
	}
	top, ok := root.(map[string]any)
	if !ok {
		t.Fatalf("top level is %T, want a dict", root)
	}
	for key, want := range map[string]any{
		"PayloadType":              "Configuration",
		"PayloadVersion":           int64(1),
		"PayloadDisplayName":       ca.Certificate().Subject.CommonName,
		"PayloadRemovalDisallowed": false,
	} {
		if top[key] != want {
			t.Errorf("profile %s = %#v, want %#v", key, top[key], want)
		}
	}
	payloads, ok := top["PayloadContent"].([]any)
	if !ok || len(payloads) != 1 {
		t.Fatalf("PayloadContent = %#v, want an array of one payload", top["PayloadContent"])
	}
	p, ok := payloads[0].(map[string]any)
	if !ok {
		t.Fatalf("payload is %T, want a dict", payloads[0])
	}
	if p["PayloadType"] != "com.apple.security.root" {
		t.Errorf("payload type = %#v, want com.apple.security.root", p["PayloadType"])
	}
	if der, _ := p["PayloadContent"].([]byte); !bytes.Equal(der, ca.Certificate().Raw) {
		t.Errorf("payload content (%d bytes) is not the CA's DER (%d bytes)", len(der), len(ca.Certificate().Raw))
	}
	uuid := regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-8[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$`)
	for _, d := range []map[string]any{top, p} {
		id, _ := d["PayloadUUID"].(string)
		if !uuid.MatchString(id) {
			t.Errorf("PayloadUUID %q is not an RFC 9562 version 8 UUID", id)
		}
		if ident, _ := d["PayloadIdentifier"].(string); ident == "" {
			t.Errorf("%s: no PayloadIdentifier", id)
		}
	}
	if top["PayloadUUID"] == p["PayloadUUID"] {
		t.Errorf("profile and payload share the UUID %v", p["PayloadUUID"])
	}

	// Reproducible for one CA (same bytes), distinct for another.
	again, err := LoadOrCreate(filepath.Dir(ca.CertPath()))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.MobileConfig(), profile) {
		t.Error("exporting the same CA twice gave different profiles")
	}
	other, _ := parsePlist(newTestCA(t).MobileConfig())
	if other.(map[string]any)["PayloadUUID"] == top["PayloadUUID"] {
		t.Error("two CAs got the same profile UUID")
	}
}

// TestMobileConfigEscapes checks that a CA whose name holds XML's special
// characters (one made with openssl, say) still gives a valid profile.
func TestMobileConfigEscapes(t *testing.T) {
	dir := t.TempDir()
	tmpl := caTemplate(time.Now())
	tmpl.Subject.CommonName = `Tom & Jerry's <CA> "x"`
	writeCA(t, dir, tmpl, newECKey(t), "PRIVATE KEY")
	ca, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	root, err := parsePlist(ca.MobileConfig())
	if err != nil {
		t.Fatalf("profile: %v", err)
	}
	if got := root.(map[string]any)["PayloadDisplayName"]; got != tmpl.Subject.CommonName {
		t.Errorf("PayloadDisplayName = %#v, want %q", got, tmpl.Subject.CommonName)
	}
}

func TestExportsCarryNoKey(t *testing.T) {
	ca := newTestCA(t)
	keyPEM, err := os.ReadFile(filepath.Join(filepath.Dir(ca.CertPath()), KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(keyPEM)
	for name, data := range map[string][]byte{
		"PEM": ca.PEM(), "DER": ca.DER(), "Android": ca.AndroidSystemFile(), "mobileconfig": ca.MobileConfig(),
	} {
		if bytes.Contains(data, block.Bytes) || bytes.Contains(data, []byte(base64.StdEncoding.EncodeToString(block.Bytes)[:40])) ||
			bytes.Contains(data, []byte("PRIVATE KEY")) {
			t.Errorf("%s export holds the CA key", name)
		}
	}
	if _, err := x509.ParseCertificate(ca.DER()); err != nil {
		t.Errorf("DER export: %v", err)
	}
}

// parsePlist decodes an XML property list into Go values: dict as
// map[string]any, array as []any, string, data as []byte, integer as
// int64, true and false as bool. It is strict: anything else is an error.
func parsePlist(data []byte) (any, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("no <plist> element: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "plist" {
				return nil, fmt.Errorf("root element <%s>, want <plist>", se.Name.Local)
			}
			break
		}
	}
	v, err := plistValue(d)
	if err != nil {
		return nil, err
	}
	if _, err := plistValue(d); !errors.Is(err, errPlistEnd) {
		return nil, fmt.Errorf("<plist> holds more than one value (%v)", err)
	}
	return v, nil
}

var errPlistEnd = errors.New("end of container")

// plistValue reads the next value, or errPlistEnd at its container's end.
func plistValue(d *xml.Decoder) (any, error) {
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.EndElement:
			return nil, errPlistEnd
		case xml.CharData:
			if len(bytes.TrimSpace(tok)) > 0 {
				return nil, fmt.Errorf("stray text %q", tok)
			}
		case xml.StartElement:
			return plistElement(d, tok.Name.Local)
		}
	}
}

func plistElement(d *xml.Decoder, name string) (any, error) {
	switch name {
	case "dict":
		m := map[string]any{}
		for {
			k, err := plistValue(d)
			if errors.Is(err, errPlistEnd) {
				return m, nil
			}
			key, ok := k.(plistKey)
			if err != nil || !ok {
				return nil, fmt.Errorf("dict: want <key>, got %v %v", k, err)
			}
			v, err := plistValue(d)
			if err != nil {
				return nil, fmt.Errorf("dict key %s: %w", key, err)
			}
			m[string(key)] = v
		}
	case "array":
		var a []any
		for {
			v, err := plistValue(d)
			if errors.Is(err, errPlistEnd) {
				return a, nil
			}
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
	case "true", "false":
		if err := d.Skip(); err != nil {
			return nil, err
		}
		return name == "true", nil
	}
	var text string
	if err := d.DecodeElement(&text, &xml.StartElement{Name: xml.Name{Local: name}}); err != nil {
		return nil, err
	}
	switch name {
	case "key":
		return plistKey(text), nil
	case "string":
		return text, nil
	case "integer":
		return strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	case "data":
		return io.ReadAll(base64.NewDecoder(base64.StdEncoding, strings.NewReader(strings.Join(strings.Fields(text), ""))))
	}
	return nil, fmt.Errorf("unknown element <%s>", name)
}

// plistKey is a <key>, told apart from a <string> value.
type plistKey string
