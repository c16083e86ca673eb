package mcp

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/siphonproxy/siphon/session"
)

const (
	maxLinesPerFlow = 5
	maxLineLen      = 300
)

// SearchIn are search_flows' arguments.
type SearchIn struct {
	Pattern string `json:"pattern" jsonschema:"regular expression (Go RE2 syntax), matched against each header line (Name: value) and each line of decoded bodies; (?i) for case-insensitive"`
	In      string `json:"in,omitempty" jsonschema:"where to look: headers, bodies or both; default both"`
	Filter  string `json:"filter,omitempty" jsonschema:"filter expression: only search these flows; empty for all"`
	Offset  int    `json:"offset,omitempty" jsonschema:"matching flows to skip (paging); default 0"`
	Limit   int    `json:"limit,omitempty" jsonschema:"matching flows to return, at most 500; default 50"`
}

// SearchOut is search_flows' result.
type SearchOut struct {
	Matches    []SearchMatch `json:"matches" jsonschema:"matching flows in order of arrival"`
	Searched   int           `json:"searched" jsonschema:"flows searched"`
	NextOffset int           `json:"next_offset,omitempty" jsonschema:"offset of the next page; absent when there are no more matches"`
}

// SearchMatch is a flow that matched, with the lines that did.
type SearchMatch struct {
	Row
	Lines []MatchLine `json:"lines" jsonschema:"the first matching lines (at most 5)"`
}

// MatchLine is one line that matched.
type MatchLine struct {
	Where string `json:"where" jsonschema:"request headers, request body, response headers or response body"`
	Line  int    `json:"line" jsonschema:"1-based line number within the headers or body"`
	Text  string `json:"text" jsonschema:"the line (cut to 300 bytes around the match)"`
}

func (s *Server) addSearchTool(readOnly *sdk.ToolAnnotations) {
	sdk.AddTool(s.srv, &sdk.Tool{
		Name:        "search_flows",
		Description: "Search headers and decoded bodies of flows for a regular expression; returns the matching flows with the matching lines. " + filterDoc,
		Annotations: readOnly,
		InputSchema: schemaFor[SearchIn](func(p map[string]*jsonschema.Schema) {
			p["in"].Enum = []any{"headers", "bodies", "both"}
			p["offset"].Minimum = ptr(0.0)
			p["limit"].Minimum, p["limit"].Maximum = ptr(0.0), ptr(float64(maxLimit))
		}),
	}, s.searchFlows)
}

func (s *Server) searchFlows(ctx context.Context, _ *sdk.CallToolRequest, in SearchIn) (*sdk.CallToolResult, SearchOut, error) {
	if in.Pattern == "" {
		return nil, SearchOut{}, fmt.Errorf("missing pattern: a regular expression such as (?i)timeout")
	}
	re, err := regexp.Compile(in.Pattern)
	if err != nil {
		return nil, SearchOut{}, fmt.Errorf("bad pattern %q: %v (Go RE2 syntax)", in.Pattern, err)
	}
	headers, bodies := true, true
	switch in.In {
	case "", "both":
	case "headers":
		bodies = false
	case "bodies":
		headers = false
	default:
		return nil, SearchOut{}, fmt.Errorf(`bad in %q: "headers", "bodies" or "both"`, in.In)
	}
	if in.Offset < 0 {
		return nil, SearchOut{}, fmt.Errorf("bad offset %d: must be 0 or more", in.Offset)
	}
	switch {
	case in.Limit == 0:
		in.Limit = defaultLimit
	case in.Limit < 0 || in.Limit > maxLimit:
		return nil, SearchOut{}, fmt.Errorf("bad limit %d: from 1 to %d", in.Limit, maxLimit)
	}
	m, err := s.matcher(in.Filter)
	if err != nil {
		return nil, SearchOut{}, err
	}
	st, release, err := s.acquire()
	if err != nil {
		return nil, SearchOut{}, err
	}
	defer release()
	out := SearchOut{Matches: []SearchMatch{}}
	skipped := 0
	for lf := range st.All(m) {
		if err := ctx.Err(); err != nil {
			return nil, SearchOut{}, err
		}
		f, err := st.Get(lf.ID)
		if err != nil {
			continue // deleted meanwhile
		}
		out.Searched++
		lines := searchFlow(re, s.view(f), headers, bodies)
		if len(lines) == 0 {
			continue
		}
		if skipped < in.Offset {
			skipped++
			continue
		}
		if len(out.Matches) == in.Limit {
			out.NextOffset = in.Offset + in.Limit
			break
		}
		r := RowOf(f)
		r.URL = s.url(r.URL)
		out.Matches = append(out.Matches, SearchMatch{Row: r, Lines: lines})
	}
	return nil, out, nil
}

// searchFlow returns the first lines of f that re matches.
func searchFlow(re *regexp.Regexp, f *session.Flow, headers, bodies bool) []MatchLine {
	var out []MatchLine
	side := func(name string, h http.Header, b session.Body) {
		if headers {
			for i, hd := range headerList(h) {
				if len(out) < maxLinesPerFlow {
					line := hd.Name + ": " + hd.Value
					if loc := re.FindStringIndex(line); loc != nil {
						out = append(out, MatchLine{Where: name + " headers", Line: i + 1, Text: around(line, loc)})
					}
				}
			}
		}
		if bodies && len(out) < maxLinesPerFlow && len(b.Data) > 0 {
			data, _ := decodedBody(h, b)
			sc := bufio.NewScanner(bytes.NewReader(data))
			sc.Buffer(nil, len(data)+1)
			for n := 1; sc.Scan() && len(out) < maxLinesPerFlow; n++ {
				if loc := re.FindIndex(sc.Bytes()); loc != nil {
					out = append(out, MatchLine{Where: name + " body", Line: n, Text: around(sc.Text(), loc)})
				}
			}
		}
	}
	if f.Request != nil {
		side("request", f.Request.Header, f.Request.Body)
	}
	if f.Response != nil {
		side("response", f.Response.Header, f.Response.Body)
	}
	return out
}

// around cuts line to maxLineLen bytes around the match at loc.
func around(line string, loc []int) string {
	if len(line) <= maxLineLen {
		return line
	}
	start := max(0, loc[0]-maxLineLen/3)
	end := min(len(line), start+maxLineLen)
	out := line[start:end]
	if start > 0 {
		out = "…" + out
	}
	if end < len(line) {
		out += "…"
	}
	return out
}
