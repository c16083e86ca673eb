package onboard

// desktopHTML holds the macOS, Windows, Linux and Firefox steps.
const desktopHTML = `
{{define "macos"}}
<ol>
<li>Download <a href="{{.PEM}}">siphon-ca.pem</a> and open it: Keychain Access adds it to your login keychain.</li>
<li>In Keychain Access, double-click <b>{{.Name}}</b>, open <b>Trust</b> and set <b>When using this
certificate</b> to <b>Always Trust</b>.</li>
</ol>
<p>Or, for every user, in Terminal:</p>
<pre>sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain siphon-ca.pem</pre>
<p>Safari, Chrome and Edge use the keychain. To remove it:
<code>sudo security delete-certificate -c "{{.Name}}" /Library/Keychains/System.keychain</code>.
Set the proxy in System Settings › Network › your network › Details › Proxies.</p>
{{end}}

{{define "windows"}}
<ol>
<li>Download <a href="{{.DER}}">siphon-ca.cer</a>.</li>
<li>In a Command Prompt run as administrator, for every user:
<pre>certutil -addstore -f Root siphon-ca.cer</pre>
or for yourself only, without administrator rights (Windows asks you to confirm):
<pre>certutil -user -addstore Root siphon-ca.cer</pre></li>
<li>Or with the mouse (the certificate snap-in of the MMC does the same): open the file, <b>Install
Certificate</b>, choose <b>Current User</b> or <b>Local Machine</b>, <b>Place all certificates in the following
store › Trusted Root Certification Authorities</b>, Finish.</li>
</ol>
<p>Edge and Chrome use the Windows store. To remove it: <code>certutil -delstore Root "{{.Name}}"</code>
(add <code>-user</code> if you installed it for yourself). Set the proxy in Settings › Network &amp;
internet › Proxy › Manual proxy setup.</p>
{{end}}

{{define "linux"}}
<p>Download <a href="{{.PEM}}">siphon-ca.pem</a>, then add it to the system store:</p>
<p><b>Debian, Ubuntu</b> (the file must end in <code>.crt</code>):</p>
<pre>sudo cp siphon-ca.pem /usr/local/share/ca-certificates/siphon-ca.crt
sudo update-ca-certificates</pre>
<p><b>Fedora, RHEL, openSUSE, Arch</b>:</p>
<pre>sudo cp siphon-ca.pem /etc/pki/ca-trust/source/anchors/siphon-ca.pem
sudo update-ca-trust</pre>
<p>(Arch also has <code>sudo trust anchor --store siphon-ca.pem</code>.) Remove the file and run the
command again to undo it (<code>update-ca-certificates --fresh</code> on Debian).</p>
<p><b>Chromium and Chrome</b> read the NSS database in <code>~/.pki/nssdb</code> instead (<code>certutil</code>
is in Debian's <code>libnss3-tools</code>, Fedora's <code>nss-tools</code>):</p>
<pre>certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n siphon -i siphon-ca.pem</pre>
<p>and <code>certutil -d sql:$HOME/.pki/nssdb -D -n siphon</code> removes it.</p>
{{end}}

{{define "firefox"}}
<p>Firefox keeps its own certificate store:</p>
<ol>
<li>Download <a href="{{.PEM}}">siphon-ca.pem</a>.</li>
<li><b>Settings › Privacy &amp; Security › Certificates › View Certificates › Authorities › Import</b>, pick
the file and tick <b>Trust this CA to identify websites</b>.</li>
</ol>
<p>Or let Firefox trust what the system trusts (Windows and macOS): set
<code>security.enterprise_roots.enabled</code> to <code>true</code> in <code>about:config</code>.</p>
<p>Firefox for Android: install the certificate as a user CA (see Android), then tap the Firefox logo in
<b>Settings › About Firefox</b> five times and turn on <b>Settings › Secret Settings › Use third party CA
certificates</b>.</p>
{{end}}
`
