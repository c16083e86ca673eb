package mcp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/siphonproxy/siphon/session"
)

const (
	defaultLimit = 50
	maxLimit     = 500
)

// ListIn are list_flows' arguments.
type ListIn struct {
	Filter string `json:"filter,omitempty" jsonschema:"filter expression selecting flows; empty for all"`
	Offset int    `json:"offset,omitempty" jsonschema:"matching rows to skip (paging); default 0"`
	Limit  int    `json:"limit,omitempty" jsonschema:"rows to return, at most 500; default 50"`
}

// ListOut is list_flows' result.
type ListOut struct {
	Total      int   `json:"total" jsonschema:"how many flows match the filter"`
	Offset     int   `json:"offset"`
	Flows      []Row `json:"flows" jsonschema:"matching flows in order of arrival"`
	NextOffset int   `json:"next_offset,omitempty" jsonschema:"offset of the next page; absent after the last"`
}

// InfoOut is session_info's result.
type InfoOut struct {
	File          string         `json:"file" jsonschema:"the session file"`
	Flows         int            `json:"flows" jsonschema:"number of flows"`
	First         string         `json:"first,omitempty" jsonschema:"when the earliest flow started, RFC 3339"`
	Last          string         `json:"last,omitempty" jsonschema:"when the latest flow started, RFC 3339"`
	SpanMS        float64        `json:"span_ms" jsonschema:"milliseconds from first to last"`
	Hosts         []HostCount    `json:"hosts" jsonschema:"hosts by number of flows, most first (at most 100)"`
	HostsTotal    int            `json:"hosts_total" jsonschema:"number of distinct hosts"`
	ErrorsByPhase map[string]int `json:"errors_by_phase" jsonschema:"failed flows by the phase they failed in"`
	StatusClasses map[string]int `json:"status_classes" jsonschema:"responses by status class: 1xx to 5xx"`
	Pending       int            `json:"pending" jsonschema:"flows without a response yet (or paused)"`
	Live          bool           `json:"live" jsonschema:"true when served by the running proxy, false for a session file"`
	Redacted      bool           `json:"redacted" jsonschema:"secrets are redacted in answers"`
}

// HostCount is a host and its number of flows.
type HostCount struct {
	Host  string `json:"host"`
	Flows int    `json:"flows"`
}

func (s *Server) addReadTools() {
	readOnly := &sdk.ToolAnnotations{ReadOnlyHint: true}
	sdk.AddTool(s.srv, &sdk.Tool{
		Name:        "list_flows",
		Description: "List captured flows (HTTP exchanges) in order of arrival, oldest first, a page at a time, with the total that match (for the newest, call again with offset = total - limit). " + filterDoc,
		Annotations: readOnly,
		InputSchema: schemaFor[ListIn](func(p map[string]*jsonschema.Schema) {
			p["offset"].Minimum = ptr(0.0)
			p["limit"].Minimum, p["limit"].Maximum = ptr(0.0), ptr(float64(maxLimit))
			p["limit"].Default = []byte("50")
		}),
	}, s.listFlows)
	sdk.AddTool(s.srv, &sdk.Tool{
		Name:        "session_info",
		Description: "Summarise the session: its file, flow count, time span, hosts with counts, failures by phase, statuses by class.",
		Annotations: readOnly,
	}, s.sessionInfo)
	s.addFlowTools(readOnly)
	s.addSearchTool(readOnly)
	s.addDiffTool(readOnly)
	s.addExportTool(readOnly)
}

func (s *Server) listFlows(ctx context.Context, _ *sdk.CallToolRequest, in ListIn) (*sdk.CallToolResult, ListOut, error) {
	if in.Offset < 0 {
		return nil, ListOut{}, errors.New("bad offset: must be 0 or more")
	}
	switch {
	case in.Limit == 0:
		in.Limit = defaultLimit
	case in.Limit < 0 || in.Limit > maxLimit:
		return nil, ListOut{}, fmt.Errorf("bad limit %d: from 1 to %d (page with offset)", in.Limit, maxLimit)
	}
	m, err := s.matcher(in.Filter)
	if err != nil {
		return nil, ListOut{}, err
	}
	st, release, err := s.acquire()
	if err != nil {
		return nil, ListOut{}, err
	}
	defer release()
	out := ListOut{Total: st.Count(m), Offset: in.Offset, Flows: []Row{}}
	for _, f := range st.List(m, in.Offset, in.Limit) {
		r := RowOf(f)
		r.URL = s.url(r.URL)
		out.Flows = append(out.Flows, r)
	}
	if next := in.Offset + len(out.Flows); next < out.Total {
		out.NextOffset = next
	}
	return nil, out, nil
}

func (s *Server) sessionInfo(ctx context.Context, _ *sdk.CallToolRequest, _ struct{}) (*sdk.CallToolResult, InfoOut, error) {
	st, release, err := s.acquire()
	if err != nil {
		return nil, InfoOut{}, err
	}
	defer release()
	out := InfoOut{File: st.Path(), ErrorsByPhase: map[string]int{}, StatusClasses: map[string]int{},
		Live: s.cfg.Live != nil, Redacted: !s.cfg.NoRedact, Hosts: []HostCount{}}
	hosts := map[string]int{}
	var first, last int64
	for f := range st.All(nil) {
		if err := ctx.Err(); err != nil {
			return nil, InfoOut{}, err
		}
		out.Flows++
		if t := f.Start().UnixNano(); t != 0 {
			if first == 0 || t < first {
				first = t
			}
			last = max(last, t)
		}
		hosts[f.Host()]++
		switch {
		case f.Err != nil:
			out.ErrorsByPhase[f.Err.Phase]++
		case f.Response != nil:
			out.StatusClasses[fmt.Sprintf("%dxx", f.Response.Status/100)]++
		default:
			out.Pending++
		}
	}
	if first != 0 {
		out.First, out.Last = stampString(session.Stamp(first)), stampString(session.Stamp(last))
		out.SpanMS = float64(last-first) / 1e6
	}
	for h, n := range hosts {
		out.Hosts = append(out.Hosts, HostCount{Host: h, Flows: n})
	}
	slices.SortFunc(out.Hosts, func(a, b HostCount) int {
		return cmp.Or(cmp.Compare(b.Flows, a.Flows), cmp.Compare(a.Host, b.Host))
	})
	out.HostsTotal = len(out.Hosts)
	out.Hosts = out.Hosts[:min(len(out.Hosts), 100)]
	return nil, out, nil
}
