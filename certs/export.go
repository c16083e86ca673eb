package certs

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"strings"
)

// MaxLeafValidity is the longest span, NotBefore to NotAfter, of a leaf a
// Minter signs (the backdate for slow clocks included).
const MaxLeafValidity = leafValidity

// SubjectHashOld returns the OpenSSL "old" subject hash of the CA, as
// `openssl x509 -subject_hash_old` prints it: the first four bytes of the
// MD5 of the DER-encoded subject name, read little-endian, as eight
// lower-case hex digits. Android names the files of its system CA store
// after it.
func (c *CA) SubjectHashOld() string {
	sum := md5.Sum(c.cert.RawSubject)
	return fmt.Sprintf("%08x", binary.LittleEndian.Uint32(sum[:4]))
}

// AndroidFileName returns the name the CA takes in Android's system CA
// store (/system/etc/security/cacerts, or the Conscrypt APEX on Android 14
// and later): SubjectHashOld with the suffix ".0". A store holding another
// certificate with the same hash would need ".1"; siphon's CN carries a
// random part, so a clash is as unlikely as any 32-bit collision.
func (c *CA) AndroidFileName() string { return c.SubjectHashOld() + ".0" }

// AndroidSystemFile returns the content of the file named AndroidFileName:
// the CA certificate in PEM. Android's own files add the text form after
// the PEM block, which Android ignores when it reads them.
func (c *CA) AndroidSystemFile() []byte { return c.PEM() }

// MobileConfig returns an iOS and macOS configuration profile (an XML
// property list) with one com.apple.security.root payload carrying the CA
// certificate in DER. Its UUIDs derive from the certificate, so exporting
// the same CA twice gives the same bytes, and a device that installs it
// again replaces the profile instead of adding a second one.
func (c *CA) MobileConfig() []byte {
	name := c.cert.Subject.CommonName
	if name == "" {
		name = "siphon CA"
	}
	profileUUID := c.derivedUUID("profile")
	payloadUUID := c.derivedUUID("payload")
	der := base64.StdEncoding.EncodeToString(c.cert.Raw)

	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>PayloadContent</key>
	<array>
		<dict>
			<key>PayloadCertificateFileName</key>
			<string>siphon-ca.cer</string>
			<key>PayloadContent</key>
			<data>
`)
	// Property list data is base64 in lines; 52 characters per line is
	// what Apple's own tools write, and any length parses.
	for len(der) > 0 {
		n := min(len(der), 52)
		b.WriteString("\t\t\t")
		b.WriteString(der[:n])
		b.WriteByte('\n')
		der = der[n:]
	}
	b.WriteString("\t\t\t</data>\n")
	plistString(&b, 3, "PayloadDescription", "Adds the siphon debugging proxy's certificate authority")
	plistString(&b, 3, "PayloadDisplayName", name)
	plistString(&b, 3, "PayloadIdentifier", "com.apple.security.root."+payloadUUID)
	plistString(&b, 3, "PayloadType", "com.apple.security.root")
	plistString(&b, 3, "PayloadUUID", payloadUUID)
	b.WriteString("\t\t\t<key>PayloadVersion</key>\n\t\t\t<integer>1</integer>\n\t\t</dict>\n\t</array>\n")
	plistString(&b, 1, "PayloadDescription",
		"Lets siphon show this device's HTTPS traffic. After installing, turn on full trust for it in "+
			"Settings > General > About > Certificate Trust Settings. Remove this profile when you are done debugging.")
	plistString(&b, 1, "PayloadDisplayName", name)
	plistString(&b, 1, "PayloadIdentifier", "siphon.ca."+profileUUID)
	b.WriteString("\t<key>PayloadRemovalDisallowed</key>\n\t<false/>\n")
	plistString(&b, 1, "PayloadType", "Configuration")
	plistString(&b, 1, "PayloadUUID", profileUUID)
	b.WriteString("\t<key>PayloadVersion</key>\n\t<integer>1</integer>\n</dict>\n</plist>\n")
	return []byte(b.String())
}

// plistString writes a key and its string value, escaped, indented by
// depth tabs.
func plistString(b *strings.Builder, depth int, key, value string) {
	indent := strings.Repeat("\t", depth)
	fmt.Fprintf(b, "%s<key>%s</key>\n%s<string>", indent, key, indent)
	xml.EscapeText(b, []byte(value)) // never fails on a strings.Builder
	b.WriteString("</string>\n")
}

// derivedUUID returns a UUID (version 8, RFC 9562's custom layout) made
// from the SHA-256 of the certificate and purpose: stable for a CA, and
// distinct for each purpose and each CA.
func (c *CA) derivedUUID(purpose string) string {
	h := sha256.New()
	h.Write([]byte("siphon mobileconfig " + purpose + "\x00"))
	h.Write(c.cert.Raw)
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x80 // version 8
	u[8] = u[8]&0x3f | 0x80 // variant 10 (RFC 9562)
	return fmt.Sprintf("%X-%X-%X-%X-%X", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
