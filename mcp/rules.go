package mcp

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/siphonproxy/siphon/intercept"
)

// RulesFile is the rules file add_rule appends to. It is safe for
// concurrent use.
type RulesFile struct {
	mu     sync.Mutex
	path   string
	loaded []string
}

// NewRulesFile returns the rules file at path, for an Engine that has
// loaded the files in loaded (--rules). path may be one of them (then
// added rules go into the user's file) or a file of its own, loaded with
// the others once a rule is added.
func NewRulesFile(path string, loaded []string) *RulesFile {
	return &RulesFile{path: path, loaded: slices.Clone(loaded)}
}

// AddRuleIn are add_rule's arguments.
type AddRuleIn struct {
	YAML string `json:"yaml" jsonschema:"one rule as YAML, e.g. 'name: slow api\nmatch: ~d api.example.com\nthrottle: {latency: 2s}' (or the same as a one-item list)"`
}

// AddRuleOut is add_rule's result.
type AddRuleOut struct {
	ID    string `json:"id" jsonschema:"the rule's id: FILE#NAME"`
	File  string `json:"file" jsonschema:"the rules file it was appended to"`
	Rules int    `json:"rules" jsonschema:"rules now in force"`
}

func (s *Server) addRule(ctx context.Context, _ *sdk.CallToolRequest, in AddRuleIn) (*sdk.CallToolResult, AddRuleOut, error) {
	e, err := s.engine()
	if err != nil {
		return nil, AddRuleOut{}, err
	}
	rf := s.cfg.Live.Rules
	if rf == nil {
		return nil, AddRuleOut{}, errors.New("this siphon has no rules file to add to")
	}
	text := asListItem(in.YAML)
	if strings.TrimSpace(text) == "" {
		return nil, AddRuleOut{}, errors.New("missing yaml: one rule, such as 'name: no ads\nmatch: ~d ads\\.\nblock: 403'")
	}
	// Checked on its own first, so that a mistake is reported at the line
	// of what the agent wrote (add_rule:LINE: what is wrong).
	rules, err := intercept.Parse([]byte(text), "add_rule", filepath.Dir(rf.path))
	if err != nil {
		return nil, AddRuleOut{}, err
	}
	if len(rules) != 1 {
		return nil, AddRuleOut{}, fmt.Errorf("want exactly one rule, got %d: call add_rule once per rule", len(rules))
	}
	n, err := rf.append(e, text)
	if err != nil {
		return nil, AddRuleOut{}, err
	}
	if rules[0].Breakpoint != intercept.NoBreakpoint {
		e.SetIntercepting(true) // a breakpoint the agent just added must pause
	}
	return nil, AddRuleOut{ID: rf.path + "#" + rules[0].Name, File: rf.path, Rules: n}, nil
}

// append adds text to the file and loads it into e; on any mistake (a name
// already in use, say) the file is put back as it was, and so are e's
// rules.
func (rf *RulesFile) append(e *intercept.Engine, text string) (int, error) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	old, err := os.ReadFile(rf.path)
	existed := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("read rules file %s: %w", rf.path, err)
	}
	data := slices.Clone(old)
	if len(data) > 0 && data[len(data)-1] != '\n' {
		data = append(data, '\n')
	}
	data = append(data, text...)
	if !strings.HasSuffix(text, "\n") {
		data = append(data, '\n')
	}
	if err := writeAtomic(rf.path, data); err != nil {
		return 0, err
	}
	files := rf.loaded
	if !slices.Contains(files, rf.path) {
		files = append(slices.Clone(files), rf.path)
	}
	if err := e.LoadFiles(files...); err != nil {
		var rerr error
		if existed {
			rerr = writeAtomic(rf.path, old)
		} else {
			rerr = os.Remove(rf.path)
		}
		return 0, errors.Join(err, rerr)
	}
	rf.loaded = files
	return len(e.Rules()), nil
}

// writeAtomic replaces path with data, so the rules watcher never reads
// half a file.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write rules file %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write rules file %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write rules file %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write rules file %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write rules file %s: %w", path, err)
	}
	return nil
}

// asListItem turns one rule written as a mapping into a one-item list, as
// rules files hold, keeping every line where it was.
func asListItem(y string) string {
	lines := strings.Split(strings.TrimRight(y, " \t\r\n"), "\n")
	first := -1
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t != "" && !strings.HasPrefix(t, "#") {
			first = i
			break
		}
	}
	if first < 0 {
		return ""
	}
	if t := strings.TrimSpace(lines[first]); t == "-" || strings.HasPrefix(t, "- ") {
		return strings.Join(lines, "\n") + "\n"
	}
	for i := first; i < len(lines); i++ {
		if i == first {
			lines[i] = "- " + lines[i]
		} else if lines[i] != "" {
			lines[i] = "  " + lines[i]
		}
	}
	return strings.Join(lines, "\n") + "\n"
}
