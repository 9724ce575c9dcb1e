// Package expect handles a team's known failures honestly: an
// expected-failures file lists checks the listener is known to fail, each
// with a reason and optionally an expiry date. Listed checks still run. One
// that fails again is reported as an expected failure and does not fail the
// run; one that now passes (a stale entry) or whose entry has expired fails
// the run — the OpenID conformance suite's rule, so the list cannot rot into
// a place where regressions hide.
package expect

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/conform-kit/conform/internal/suggest"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// DateLayout is the only accepted form of an expiry date.
const DateLayout = "2006-01-02"

// TopKey is the file's one top-level key.
const TopKey = "expected_failures"

// Entry is one listed check.
type Entry struct {
	// Check is an exact check ID as `conform list` prints it. No globs: a
	// pattern would silently cover checks added in later versions, and one
	// entry covering several checks cannot be stale while any of them fails.
	Check  string `json:"check"`
	Reason string `json:"reason"`
	// Expires is the last day (YYYY-MM-DD) the entry holds; "" for never.
	Expires string `json:"expires,omitempty"`
	Link    string `json:"link,omitempty"`
	// Line is where the entry starts in the file (1-based).
	Line int `json:"line"`

	expires time.Time // parsed Expires, midnight UTC; zero when Expires is ""
}

// Expired reports whether the entry no longer holds on today's calendar
// date (taken in today's own location): an entry expiring 2026-03-31 still
// holds all of that day and is expired from 2026-04-01.
func (e Entry) Expired(today time.Time) bool {
	if e.expires.IsZero() {
		return false
	}
	y, m, d := today.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).After(e.expires)
}

// List is a loaded expected-failures file.
type List struct {
	// Path is the file as named by the user, for messages.
	Path    string
	Entries []Entry
	byID    map[string]int
}

// Lookup returns the entry for a check ID.
func (l *List) Lookup(id string) (Entry, bool) {
	if l == nil {
		return Entry{}, false
	}
	i, ok := l.byID[id]
	if !ok {
		return Entry{}, false
	}
	return l.Entries[i], true
}

// Where names an entry's position for messages: "file:line".
func (l *List) Where(e Entry) string { return fmt.Sprintf("%s:%d", l.Path, e.Line) }

// Load reads an expected-failures file (YAML, or JSON, which is YAML too).
// known, when not nil, is every check ID conform has: an entry naming any
// other ID is an error, since a typo would otherwise expect nothing at all.
// Every error is one line naming the file and line.
func Load(path string, known []string) (*List, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("expected failures: %w", err)
	}
	return Parse(path, data, known)
}

// Parse is Load for bytes already read; name is used in messages.
func Parse(name string, data []byte, known []string) (*List, error) {
	p := &parser{name: name}
	l, err := p.parse(data, known)
	if err != nil {
		return nil, err
	}
	return l, nil
}

type parser struct{ name string }

func (p *parser) errf(line int, format string, args ...any) error {
	if line > 0 {
		return fmt.Errorf("%s:%d: %s", p.name, line, fmt.Sprintf(format, args...))
	}
	return fmt.Errorf("%s: %s", p.name, fmt.Sprintf(format, args...))
}

var entryKeys = []string{"check", "reason", "expires", "link"}

func (p *parser) parse(data []byte, known []string) (*List, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, p.errf(0, "the file is empty; a list with no entries is written %q", TopKey+": []")
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil, p.errf(0, "the file has no content; a list with no entries is written %q", TopKey+": []")
	} else if err != nil {
		return nil, p.errf(0, "%s", oneLine(err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, p.errf(extra.Line, "a second YAML document: the file must hold exactly one")
	}
	root := deref(&doc)
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = deref(root.Content[0])
	}
	if root.Kind != yaml.MappingNode {
		return nil, p.errf(root.Line, "the file must be a mapping with the key %q, got %s", TopKey, kindName(root))
	}
	var list *yaml.Node
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], deref(root.Content[i+1])
		if prev, dup := seen[k.Value]; dup {
			return nil, p.errf(k.Line, "key %q is already given at line %d", k.Value, prev)
		}
		seen[k.Value] = k.Line
		if k.Value != TopKey {
			return nil, p.errf(k.Line, "unknown key %q (the only top-level key is %q)", k.Value, TopKey)
		}
		list = v
	}
	if list == nil {
		return nil, p.errf(root.Line, "missing the key %q", TopKey)
	}
	if list.Kind == yaml.ScalarNode && list.Tag == "!!null" {
		return nil, p.errf(list.Line, "%s is empty; a list with no entries is written %q", TopKey, TopKey+": []")
	}
	if list.Kind != yaml.SequenceNode {
		return nil, p.errf(list.Line, "%s must be a list of entries, got %s", TopKey, kindName(list))
	}

	knownSet := map[string]bool{}
	for _, id := range known {
		knownSet[id] = true
	}
	l := &List{Path: p.name, byID: map[string]int{}}
	for n, item := range list.Content {
		e, err := p.entry(n+1, deref(item))
		if err != nil {
			return nil, err
		}
		if known != nil && !knownSet[e.Check] {
			hint := ""
			if near := nearest(e.Check, known); near != "" {
				hint = "did you mean " + near + "? "
			}
			return nil, p.errf(e.Line, "entry %d: unknown check ID %q (%s`conform list` prints every ID)", n+1, e.Check, hint)
		}
		if prev, dup := l.byID[e.Check]; dup {
			return nil, p.errf(e.Line, "entry %d: check %s is already listed at line %d", n+1, e.Check, l.Entries[prev].Line)
		}
		l.byID[e.Check] = len(l.Entries)
		l.Entries = append(l.Entries, e)
	}
	return l, nil
}

func (p *parser) entry(n int, node *yaml.Node) (Entry, error) {
	if node.Kind != yaml.MappingNode {
		return Entry{}, p.errf(node.Line, "entry %d must be a mapping with keys %s, got %s", n, strings.Join(entryKeys, ", "), kindName(node))
	}
	e := Entry{Line: node.Line}
	seen := map[string]int{}
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i], deref(node.Content[i+1])
		if prev, dup := seen[k.Value]; dup {
			return Entry{}, p.errf(k.Line, "entry %d: key %q is already given at line %d", n, k.Value, prev)
		}
		seen[k.Value] = k.Line
		field := map[string]*string{"check": &e.Check, "reason": &e.Reason, "expires": &e.Expires, "link": &e.Link}[k.Value]
		if field == nil {
			hint := ""
			if near := nearest(k.Value, entryKeys); near != "" {
				hint = "did you mean " + near + "? "
			}
			return Entry{}, p.errf(k.Line, "entry %d: unknown key %q (%sknown keys: %s)", n, k.Value, hint, strings.Join(entryKeys, ", "))
		}
		// An unquoted 2026-03-31 is a YAML timestamp; everything else must
		// be a string, so that `reason: true` is caught rather than read
		// as "true".
		okTag := v.Tag == "!!str" || k.Value == "expires" && v.Tag == "!!timestamp"
		if v.Kind != yaml.ScalarNode || !okTag {
			return Entry{}, p.errf(v.Line, "entry %d: %s must be a string, got %s", n, k.Value, kindName(v))
		}
		*field = v.Value
	}
	e.Check = strings.TrimSpace(e.Check)
	switch {
	case seen["check"] == 0:
		return Entry{}, p.errf(node.Line, "entry %d: missing required key \"check\" (the check ID, as `conform list` prints it)", n)
	case e.Check == "":
		return Entry{}, p.errf(seen["check"], "entry %d: check is empty", n)
	case strings.ContainsAny(e.Check, "*?[]{} \t"):
		return Entry{}, p.errf(seen["check"], "entry %d: check %q must be one exact check ID (patterns are not supported: list each check)", n, e.Check)
	case seen["reason"] == 0:
		return Entry{}, p.errf(node.Line, "entry %d (%s): missing required key \"reason\" (why this failure is accepted for now)", n, e.Check)
	case strings.TrimSpace(e.Reason) == "":
		return Entry{}, p.errf(seen["reason"], "entry %d (%s): reason is empty: say why this failure is accepted for now", n, e.Check)
	}
	e.Reason = strings.TrimSpace(e.Reason)
	if e.Expires != "" {
		t, err := time.Parse(DateLayout, e.Expires)
		if err != nil {
			return Entry{}, p.errf(seen["expires"], "entry %d (%s): expires %q is not a date written YYYY-MM-DD", n, e.Check, e.Expires)
		}
		e.expires = t
	}
	if e.Link != "" {
		u, err := url.Parse(e.Link)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return Entry{}, p.errf(seen["link"], "entry %d (%s): link %q is not an http(s) URL", n, e.Check, e.Link)
		}
	}
	return e, nil
}

// deref follows YAML aliases (&anchor / *alias) to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "nothing (null)"
		case "!!bool":
			return "a boolean (" + n.Value + "; quote it to make it text)"
		case "!!int", "!!float":
			return "a number (" + n.Value + "; quote it to make it text)"
		case "!!timestamp":
			return "a date (" + n.Value + ")"
		}
		return "a " + strings.TrimPrefix(n.Tag, "!!")
	}
	return "an unexpected YAML node"
}

// oneLine keeps a YAML syntax error on one line, naming its line the same
// way every other error does ("yaml: line 3: …").
func oneLine(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return strings.Join(te.Errors, "; ")
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}

// nearest suggests the candidate s was probably meant to be.
func nearest(s string, candidates []string) string { return suggest.Nearest(s, candidates, 2) }
