// Package intercept decides what happens to HTTP flows on their way
// through siphon: rules that mock, map to another server, rewrite, block
// or throttle them, and breakpoints that pause a flow until a person (or a
// timeout) resolves it.
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
//	  breakpoint: request   # or response, or both
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
package intercept
