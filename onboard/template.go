package onboard

// pageView is what the page template shows.
type pageView struct {
	Name     string // the CA's common name
	SHA256   string // its fingerprint, colon-separated hex
	NotAfter string // its expiry date

	// Download paths, and the Android file's name.
	PEM, DER, MobileConfig, AndroidFile, AndroidName string

	// ProxyHost and ProxyPort are the address the page was fetched from
	// when a device opened it directly (the QR code's URL); empty through
	// the proxy.
	ProxyHost, ProxyPort string

	Sections []section // every platform, the detected ones first
}

// section is one platform's part of the page.
type section struct {
	ID, Title string
	Open      bool // detected from the User-Agent: shown unfolded
}

// Title returns the heading of p's section.
func (p Platform) Title() string {
	switch p {
	case IOS:
		return "iPhone and iPad (iOS, iPadOS)"
	case Android:
		return "Android"
	case MacOS:
		return "macOS"
	case Windows:
		return "Windows"
	case Linux:
		return "Linux"
	case Firefox:
		return "Firefox (its own store)"
	}
	return string(p)
}

// pageHTML is the page: the layout, then one template per platform.
const pageHTML = layoutHTML + mobileHTML + desktopHTML

const layoutHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>siphon: trust this proxy's certificate</title>
<style>
body{font-family:system-ui,sans-serif;max-width:46em;margin:1em auto;padding:0 1em;line-height:1.45}
a.dl{display:inline-block;margin:.2em 0;padding:.5em .9em;border:1px solid #36c;border-radius:.4em;text-decoration:none}
details{border:1px solid #ccc;border-radius:.4em;margin:.6em 0;padding:.3em .8em}
summary{font-weight:bold;font-size:1.1em;cursor:pointer}
pre{background:#f4f4f4;padding:.6em;overflow-x:auto;font-size:.85em}
code{background:#f4f4f4;overflow-wrap:anywhere}
.fp{font-family:monospace;font-size:.8em;word-break:break-all}
</style></head>
<body>
<h1>Trust siphon's certificate</h1>
<p>siphon is a debugging proxy. To show this device's HTTPS traffic it signs certificates with its own
certificate authority (CA), <b>{{.Name}}</b>. Install it and trust it with the steps for your system
below (yours first); remove it when you are done debugging. This page serves the CA certificate only:
its private key never leaves the computer running siphon.</p>
{{if .ProxyHost}}<p>Proxy for this device: server <b>{{.ProxyHost}}</b>, port <b>{{.ProxyPort}}</b>
(with the user name and password siphon was started with, if any).</p>{{end}}
<p>
<a class="dl" href="{{.MobileConfig}}">siphon-ca.mobileconfig</a> iOS, iPadOS and macOS profile<br>
<a class="dl" href="{{.DER}}">siphon-ca.cer</a> DER: Android, Windows, iOS<br>
<a class="dl" href="{{.PEM}}">siphon-ca.pem</a> PEM: macOS, Linux, Firefox, command-line tools<br>
<a class="dl" href="{{.AndroidFile}}">{{.AndroidName}}</a> Android system store (for adb: emulators and rooted devices)
</p>
<p class="fp">SHA-256 fingerprint: {{.SHA256}}<br>valid until {{.NotAfter}}</p>
{{range .Sections}}
<details id="{{.ID}}"{{if .Open}} open{{end}}><summary>{{.Title}}</summary>
{{if eq .ID "ios"}}{{template "ios" $}}{{else if eq .ID "android"}}{{template "android" $}}{{else if eq .ID "macos"}}{{template "macos" $}}{{else if eq .ID "windows"}}{{template "windows" $}}{{else if eq .ID "linux"}}{{template "linux" $}}{{else if eq .ID "firefox"}}{{template "firefox" $}}{{end}}
</details>
{{end}}
<p>Command-line tools and runtimes often keep their own trust: point them at the PEM file
(<code>siphon ca path</code> prints its path on the computer running siphon): <code>curl --cacert</code>,
<code>SSL_CERT_FILE</code> (Go, OpenSSL), <code>NODE_EXTRA_CA_CERTS</code> (Node.js),
<code>REQUESTS_CA_BUNDLE</code> (Python requests), <code>keytool -importcert</code> (Java).</p>
</body></html>
`
