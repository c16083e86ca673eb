// Package intercept decides what happens to HTTP flows and WebSocket
// messages on their way through siphon: rules that mock, map to another
// server, rewrite, block or throttle them, and breakpoints that pause a
// flow or a message until a person (or a timeout) resolves it.
//
// A rules file is a YAML list of rules; each has a name, a match filter
// expression (see package filter), an optional "enabled: false", and one
// action:
//
//	# rules.yaml
//	- name: users from a file
//	  match: ~d api.example.com & ~u /users
//	  mock: {status: 200, file: users.json, delay: 300ms}
//	- name: staging
//	  match: ~d api.example.com
//	  map-remote: https://staging.example.com:8443/v2
//	- name: no cookies, fake prices
//	  match: ~d shop.example.com
//	  rewrite:
//	    request: {remove-headers: [Cookie]}
//	    response:
//	      set-headers: {Cache-Control: no-store}
//	      body-replace: [{regex: '"price":\d+', replace: '"price":0'}]
//	- name: no ads
//	  match: ~d ads\.
//	  block: 403            # or: block: drop
//	- name: 3G
//	  match: ~all
//	  throttle: {latency: 300ms, bandwidth: 1mbit}
//	- name: login
//	  match: ~u /login & ~m POST
//	  breakpoint: request   # or response, or both (messages: see below)
//
// Rules also act on the messages of WebSocket flows. The match is asked
// about the flow with one message at a time visible to the body filters:
// ~bq x matches client-to-server messages containing x, ~bs x
// server-to-client ones, ~b x either; other filters (~d, ~u, ~websocket)
// see the flow as usual.
//
//	# rules.yaml, for WebSocket messages
//	- name: hold chat messages
//	  match: ~d chat.example.com & ~bq send
//	  breakpoint: messages  # each matching message waits for a person
//	- name: fake balance
//	  match: ~d game.example.com
//	  rewrite:
//	    messages:
//	      body-replace: [{regex: '"gold":\d+', replace: '"gold":999'}]
//	      direction: down   # up (client to server), down, or both (default)
//	- name: no telemetry
//	  match: ~websocket & ~bq telemetry
//	  block: messages       # drops matching messages; requests pass
//
// A message breakpoint holds only its own direction of its own
// connection; control frames (ping, pong) keep flowing, and a close
// releases the held messages, dropped. Close, ping and pong are never
// rewritten, blocked or held. The rewrite and breakpoint act on the
// message as decoded (permessage-deflate inflated); a message larger than
// the capture limit is relayed as it comes, neither held nor rewritten.
//
// LoadFile and Parse read such files, reporting mistakes as *FileError
// ("FILE:LINE: what is wrong"); Marshal writes them.
//
// The Engine holds the rules (from files, reloaded when they change, and
// added at run time) and is the proxy's Decider: the proxy asks it at the
// request phase and at the response phase of every HTTP flow, and acts on
// its Decision. A flow at a breakpoint is a Pause decision: the proxy
// waits on it, and meanwhile the Engine lists the flow in Paused until
// Resume, EditRequest, EditResponse, Answer or Kill resolves it, its
// timeout passes, or the client hangs up. Other deciders (a server-replay
// responder, for one) combine with an Engine through Chain.
//
// For WebSocket messages the Engine is a MessageDecider: the proxy asks
// WantsMessages (cheap; while it is false, the connection is relayed byte
// for byte) and then DecideMessage for each text and binary message.
// Messages held at a breakpoint are listed by PausedMessages until
// ForwardMessage (unchanged, or edited), DropMessage, the intercept
// timeout (forwarded unchanged, noted) or the connection's close
// (dropped, noted) resolves them; BreakMessages pauses every message of
// one flow, both directions, until it is turned off.
package intercept
