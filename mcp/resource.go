package mcp

import (
	"context"
	"encoding/json"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

const (
	flowURIPrefix = "siphon://flow/"
	// FlowsURI is the resource of the newest flows; on the live server a
	// client subscribed to it is notified whenever a flow is added or
	// changes.
	FlowsURI = "siphon://flows"
)

// FlowURI is the URI of a flow's resource.
func FlowURI(id string) string { return flowURIPrefix + id }

func (s *Server) addResources() {
	s.srv.AddResourceTemplate(&sdk.ResourceTemplate{
		Name:        "flow",
		Title:       "A captured flow",
		Description: "One flow as get_flow returns it (JSON). On the live proxy, subscribe to be told when it changes.",
		MIMEType:    "application/json",
		URITemplate: flowURIPrefix + "{id}",
	}, s.readFlow)
	s.srv.AddResource(&sdk.Resource{
		Name:        "flows",
		Title:       "The newest flows",
		Description: "The newest 50 flows as list_flows rows (JSON). On the live proxy, subscribe to be told of every new or updated flow.",
		MIMEType:    "application/json",
		URI:         FlowsURI,
	}, s.readFlows)
}

func (s *Server) readFlow(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
	uri := req.Params.URI
	id := strings.TrimPrefix(uri, flowURIPrefix)
	st, release, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	f, err := getFlow(st, id)
	if err != nil {
		return nil, sdk.ResourceNotFoundError(uri)
	}
	data, err := json.Marshal(s.flowOut(f))
	if err != nil {
		return nil, err
	}
	return &sdk.ReadResourceResult{Contents: []*sdk.ResourceContents{{URI: uri, MIMEType: "application/json", Text: string(data)}}}, nil
}

func (s *Server) readFlows(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
	st, release, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	total := st.Len()
	out := ListOut{Total: total, Offset: max(0, total-defaultLimit), Flows: []Row{}}
	for _, f := range st.List(nil, out.Offset, defaultLimit) {
		r := RowOf(f)
		r.URL = s.url(r.URL)
		out.Flows = append(out.Flows, r)
	}
	data, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	return &sdk.ReadResourceResult{Contents: []*sdk.ResourceContents{{URI: FlowsURI, MIMEType: "application/json", Text: string(data)}}}, nil
}
