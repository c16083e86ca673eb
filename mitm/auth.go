package mitm

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/google/martian/v3"
)

// authorized reports whether req carries the proxy credentials siphon
// requires (always true when none are configured).
func (p *Proxy) authorized(req *http.Request) bool {
	want := p.cfg.Auth
	if want == nil {
		return true
	}
	got := req.Header.Get("Proxy-Authorization")
	scheme, enc, ok := strings.Cut(got, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return false
	}
	user, pass, _ := strings.Cut(string(raw), ":")
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(want.User)) == 1
	passOK := subtle.ConstantTimeCompare([]byte(pass), []byte(want.Pass)) == 1
	return userOK && passOK
}

// demandAuth answers 407 with a Basic challenge. A CONNECT is answered on
// the hijacked connection, which is then closed: martian would otherwise
// dial the target.
func (p *Proxy) demandAuth(ctx *martian.Context, req *http.Request) {
	res := textResponse(req, http.StatusProxyAuthRequired, "siphon: proxy credentials required (curl: --proxy-user USER:PASS)\n")
	res.Header.Set("Proxy-Authenticate", `Basic realm="siphon"`)
	if req.Method != http.MethodConnect {
		p.answer(ctx, req, res)
		return
	}
	conn, brw, err := ctx.Session().Hijack()
	if err != nil {
		return
	}
	res.Close = true
	res.Write(brw)
	brw.Flush()
	conn.Close()
}

func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}
