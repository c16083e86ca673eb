package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/replay"
	"github.com/siphonproxy/siphon/session"
)

func (o *proxyOptions) registerServerReplay(fs *flag.FlagSet) {
	fs.StringVar(&o.serverReplay, "server-replay", "", "answer requests that match a flow of this session file with its recorded response, without the origin")
	fs.StringVar(&o.replayMatch, "replay-match", "", "with --server-replay, also require equal: body, headers:NAME (comma-separated; method and URL always count)")
	fs.BoolVar(&o.replayStrict, "replay-strict", false, "with --server-replay, answer unmatched requests with 502 naming the closest recorded request instead of going upstream")
}

// loadServerReplay opens the --server-replay session (read-only, kept open
// for the life of the process) and builds its responder; nil without it.
func (o *proxyOptions) loadServerReplay() (*serverReplay, error) {
	if o.serverReplay == "" {
		if o.replayMatch != "" || o.replayStrict {
			return nil, usagef("--replay-match and --replay-strict need --server-replay SESSION")
		}
		return nil, nil
	}
	match, err := replay.ParseMatch(o.replayMatch)
	if err != nil {
		return nil, usagef("bad --replay-match: %v", err)
	}
	if _, err := os.Stat(o.serverReplay); err != nil {
		return nil, usagef("--server-replay: %v", err)
	}
	store, err := session.Open(o.serverReplay, session.Options{ReadOnly: true})
	if err != nil {
		return nil, usagef("--server-replay: %v", err)
	}
	srv, err := replay.NewServer(store, nil, match)
	if err != nil {
		store.Close()
		return nil, usagef("--server-replay %s: %v", o.serverReplay, err)
	}
	return &serverReplay{srv: srv, strict: o.replayStrict, path: o.serverReplay}, nil
}

// serverReplay answers requests from a recorded session: it is chained
// before the rules engine as the proxy's Decider.
type serverReplay struct {
	srv    *replay.Server
	strict bool
	path   string
}

var (
	_ intercept.Decider    = (*serverReplay)(nil)
	_ intercept.BodyWanter = (*serverReplay)(nil)
)

// Decide answers a request that matches a recorded flow with that flow's
// response; a miss goes upstream, or with --replay-strict gets a 502.
func (s *serverReplay) Decide(_ context.Context, phase intercept.Phase, f *session.Flow) intercept.Decision {
	if phase != intercept.RequestPhase || f.Request == nil {
		return intercept.Decision{}
	}
	hit, err := s.srv.Lookup(f.Request)
	if err != nil {
		var miss *replay.Miss
		if !s.strict || !errors.As(err, &miss) {
			return intercept.Decision{}
		}
		body := "siphon: server replay has no recorded response for this request: " + miss.Error() + "\n"
		h := http.Header{}
		h.Set("Content-Type", "text/plain; charset=utf-8")
		return intercept.Decision{
			Action:   intercept.Answer,
			Response: &session.Response{Status: http.StatusBadGateway, Header: h, Body: session.Body{Data: []byte(body), Size: int64(len(body))}},
			Err: &session.Error{Phase: session.PhaseIntercept, Msg: "server replay miss: " + miss.Error(),
				Hint: "record this request into the session, or drop --replay-strict to let misses go upstream"},
		}
	}
	res := hit.Response.Clone()
	res.Header.Del("Connection")
	note := fmt.Sprintf("served by --server-replay from %s flow #%d", s.path, hit.Seq)
	if res.Body.Truncated {
		note += " (its body was captured only up to " + strconv.Itoa(len(res.Body.Data)) + " bytes)"
	}
	return intercept.Decision{Action: intercept.Answer, Response: res, Note: note}
}

// WantsBody asks for request bodies when matching compares them.
func (s *serverReplay) WantsBody(phase intercept.Phase, _ *session.Flow) bool {
	return phase == intercept.RequestPhase && s.srv.Match().Body
}
