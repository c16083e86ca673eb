package intercept

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxRulesFile bounds the size of a rules file.
const maxRulesFile = 16 << 20

// FileError is a mistake in a rules file, at a line.
type FileError struct {
	File string
	Line int
	Msg  string
}

// Error formats e as "FILE:LINE: what is wrong".
func (e *FileError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// LoadFile reads and checks a rules file. Every mistake in it is reported,
// each as a *FileError (joined with errors.Join); a file with any mistake
// yields no rules.
func LoadFile(path string) ([]*Rule, error) {
	cs, _, err := loadFile(path)
	if err != nil {
		return nil, err
	}
	return rulesOf(cs), nil
}

// Parse reads and checks rules from YAML data, as LoadFile does for a
// file: name is the file name used in errors and in each Rule's File, and
// relative mock files are resolved against dir.
func Parse(data []byte, name, dir string) ([]*Rule, error) {
	cs, _, err := parseRules(data, name, dir)
	if err != nil {
		return nil, err
	}
	return rulesOf(cs), nil
}

func rulesOf(cs []*compiled) []*Rule {
	out := make([]*Rule, len(cs))
	for i, c := range cs {
		out[i] = c.rule.Clone()
	}
	return out
}

// loadFile reads path and compiles its rules. It also returns the mock
// files the rules name, even when they fail to load, so that a watcher
// can retry once they change.
func loadFile(path string) ([]*compiled, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("load rules: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxRulesFile+1))
	if err != nil {
		return nil, nil, fmt.Errorf("load rules %s: %w", path, err)
	}
	if len(data) > maxRulesFile {
		return nil, nil, &FileError{File: path, Line: 1, Msg: fmt.Sprintf("rules file is larger than %d MiB", maxRulesFile>>20)}
	}
	return parseRules(data, path, filepath.Dir(path))
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func parseRules(data []byte, file, dir string) (cs []*compiled, deps []string, err error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, yamlError(file, data, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil, nil // an empty file holds no rules
	}
	root := resolve(doc.Content[0])
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil, nil
	}
	l := &loader{file: file, dir: dir}
	if root.Kind != yaml.SequenceNode {
		l.errorf(root.Line, "a rules file is a YAML list of rules, each starting with \"- name: ...\"")
		return nil, nil, errors.Join(l.errs...)
	}
	names := map[string]int{}
	for _, item := range root.Content {
		c := l.rule(item)
		if c == nil {
			continue
		}
		if first, dup := names[c.rule.Name]; dup {
			l.errorf(c.rule.Line, "duplicate rule name %q (first at line %d): names must be unique within a file", c.rule.Name, first)
			continue
		}
		names[c.rule.Name] = c.rule.Line
		cs = append(cs, c)
	}
	if len(l.errs) > 0 {
		return nil, l.deps, errors.Join(l.errs...)
	}
	return cs, l.deps, nil
}

// yamlError places a YAML syntax error. yaml.v3 reports the line where
// the construct holding the mistake starts, which may be lines above it;
// the first prefix of the file (from that line on) that fails the same way
// ends at the line to show.
func yamlError(file string, data []byte, err error) error {
	line, msg := 1, strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if len(data) <= maxRefine {
		line = refineLine(data, line, msg)
	}
	return &FileError{File: file, Line: line, Msg: "YAML: " + msg}
}

// Placing an error re-parses the file up to each line from the reported
// one on: maxRefine and refineLines bound that work.
const (
	maxRefine   = 64 << 10
	refineLines = 100
)

func refineLine(data []byte, from int, msg string) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	end := 0
	for k, l := range lines {
		end += len(l)
		if k+1 < from {
			continue
		}
		if k+1 >= from+refineLines {
			break
		}
		var n yaml.Node
		perr := yaml.Unmarshal(data[:end], &n)
		if perr == nil {
			continue
		}
		got := strings.TrimPrefix(perr.Error(), "yaml: ")
		if m := yamlLine.FindStringSubmatch(perr.Error()); m != nil {
			got = m[2]
		}
		if got == msg {
			return k + 1
		}
	}
	return from
}

// loader collects the mistakes of one file.
type loader struct {
	file string
	dir  string
	errs []error
	deps []string // mock files named by the rules
}

func (l *loader) errorf(line int, format string, args ...any) {
	l.errs = append(l.errs, &FileError{File: l.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// rule reads one list item; it returns nil after reporting its mistakes.
func (l *loader) rule(n *yaml.Node) *compiled {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		l.errorf(n.Line, "each rule is a mapping with name, match and one action (%s)", actionList)
		return nil
	}
	rd := &ruleReader{loader: l, rule: &Rule{File: l.file, Line: n.Line}, lines: map[string]int{"name": n.Line}}
	before := len(l.errs)
	rd.fields(n)
	if len(l.errs) > before {
		return nil
	}
	c, err := compile(rd.rule, l.dir)
	if err != nil {
		var fe *fieldError
		if errors.As(err, &fe) {
			l.errorf(rd.lineOf(fe.Field), "%s", fe.Msg)
		} else {
			l.errorf(n.Line, "%v", err)
		}
		return nil
	}
	return c
}
