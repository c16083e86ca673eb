package onboard

// mobileHTML holds the iOS and Android steps. Menu paths are those of
// current releases; vendors move Android's, hence the search hints.
const mobileHTML = `
{{define "ios"}}
<ol>
<li>Open this page in <b>Safari</b> (other browsers cannot install profiles) and tap
<a href="{{.MobileConfig}}">siphon-ca.mobileconfig</a>; allow the download.</li>
<li>Open <b>Settings › General › VPN &amp; Device Management</b> (or tap <i>Profile Downloaded</i> at the top
of Settings), choose the siphon profile and tap <b>Install</b>.</li>
<li>Turn on full trust: <b>Settings › General › About › Certificate Trust Settings</b>, switch on
<b>{{.Name}}</b>. Without this step Safari and apps still reject siphon's certificates.</li>
<li>Set the proxy: <b>Settings › Wi-Fi</b>, tap <b>ⓘ</b> next to your network, <b>Configure Proxy › Manual</b>:
siphon's address and port, and <b>Authentication</b> with siphon's user name and password if it has them.</li>
</ol>
<p>When you are done: delete the profile under Settings › General › VPN &amp; Device Management, and set
Configure Proxy back to Off. Apps that pin their certificates reject siphon even when its CA is
trusted: pass their hosts through untouched: <b>P</b> on the failed flow in siphon, or
<code>--auto-passthrough</code> (or <code>--ignore-hosts</code>).</p>
{{end}}

{{define "port"}}{{with .ProxyPort}}{{.}}{{else}}PORT{{end}}{{end}}

{{define "android"}}
<h3>User certificate (browsers, your own debug builds)</h3>
<ol>
<li>Download <a href="{{.DER}}">siphon-ca.cer</a>.</li>
<li><b>Settings › Security &amp; privacy › More security settings › Encryption &amp; credentials ›
Install a certificate › CA certificate</b>, tap <b>Install anyway</b> and pick the file. (Menus differ between
vendors: search Settings for “CA certificate”.)</li>
<li>Set the proxy: <b>Settings › Network &amp; internet › Internet</b>, your Wi-Fi network, the pencil or
gear, <b>Advanced › Proxy › Manual</b>: siphon's address and port. Android has no field for proxy
credentials (Chrome asks for them, most apps cannot): over USB, keep siphon on loopback and run
<code>adb reverse tcp:{{template "port" .}} tcp:{{template "port" .}}</code>, then use proxy <code>127.0.0.1</code> port <code>{{template "port" .}}</code>
(or <code>adb shell settings put global http_proxy 127.0.0.1:{{template "port" .}}</code>; <code>:0</code> turns it off){{if not .ProxyPort}}, where PORT is siphon's port{{end}}.</li>
</ol>
<p>Since Android 7 apps trust <b>only the system store</b> unless they opt in to user certificates: Chrome
does, most apps do not. For your own app, let its <b>debug builds</b> trust user CAs with
<code>res/xml/network_security_config.xml</code>:</p>
<pre>&lt;network-security-config&gt;
  &lt;debug-overrides&gt;
    &lt;trust-anchors&gt;
      &lt;certificates src="user" /&gt;
    &lt;/trust-anchors&gt;
  &lt;/debug-overrides&gt;
&lt;/network-security-config&gt;</pre>
<p>and <code>android:networkSecurityConfig="@xml/network_security_config"</code> on the
<code>&lt;application&gt;</code> element of <code>AndroidManifest.xml</code>. Release builds are unaffected.</p>

<h3>System store (emulators and rooted devices: every app)</h3>
<p>On the computer, get <a href="{{.AndroidFile}}">{{.AndroidName}}</a> (or
<code>siphon ca export --format android -o .</code>): the CA named by its OpenSSL subject hash, as the store
wants it.</p>
<p><b>Android 7 to 13</b>, on an emulator with a <i>Google APIs</i> image (not <i>Google Play</i>) started with
<code>emulator -avd NAME -writable-system</code>:</p>
<pre>adb root
adb shell avbctl disable-verification   # Android 10 and later, once; then:
adb reboot &amp;&amp; adb wait-for-device &amp;&amp; adb root
adb remount
adb push {{.AndroidName}} /system/etc/security/cacerts/
adb shell chmod 644 /system/etc/security/cacerts/{{.AndroidName}}
adb reboot</pre>
<p><b>Android 14 and later</b> read CAs from the Conscrypt module, <code>/apex/com.android.conscrypt/cacerts</code>,
which is read-only and mounted into each app's own mount namespace. With root (<code>adb root</code> on an
emulator, <code>su</code> on a rooted device), copy the store to a tmpfs with siphon's CA added and
bind-mount it over the APEX directory inside init's and the zygotes' mount namespaces. It lasts until
the next reboot; apps started before it keep the old store (force-stop them).</p>
<pre>adb push {{.AndroidName}} /data/local/tmp/
adb root
adb shell
mkdir -m 700 /data/local/tmp/cacerts
cp /apex/com.android.conscrypt/cacerts/* /data/local/tmp/cacerts/
cp /data/local/tmp/{{.AndroidName}} /data/local/tmp/cacerts/
mount -t tmpfs tmpfs /system/etc/security/cacerts
cp /data/local/tmp/cacerts/* /system/etc/security/cacerts/
chown root:root /system/etc/security/cacerts/*
chmod 644 /system/etc/security/cacerts/*
chcon u:object_r:system_file:s0 /system/etc/security/cacerts/*
for pid in 1 $(pidof zygote) $(pidof zygote64); do
  nsenter --mount=/proc/$pid/ns/mnt -- \
    mount --bind /system/etc/security/cacerts /apex/com.android.conscrypt/cacerts
done</pre>
<p>Firefox for Android keeps its own store: see Firefox below.</p>
{{end}}
`
