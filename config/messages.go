package config

import (
	"errors"
	"fmt"
	"github.com/conform-kit/conform/internal/suggest"
	"io/fs"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// deref follows YAML aliases (&anchor / *alias) to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// kindName names a node's type for a message. sensitive: never the value.
func kindName(n *yaml.Node, sensitive bool) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		value := func(what string) string {
			if sensitive {
				return what + " (the value is not shown)"
			}
			return fmt.Sprintf("%s (%s)", what, n.Value)
		}
		switch n.Tag {
		case "!!null":
			return "nothing (null)"
		case "!!bool":
			return value("a boolean")
		case "!!int", "!!float":
			return value("a number")
		case "!!timestamp":
			return value("a date")
		case "!!str":
			if sensitive {
				return "a string (the value is not shown)"
			}
			return fmt.Sprintf("a string (%q)", n.Value)
		}
		return "a " + strings.TrimPrefix(n.Tag, "!!")
	}
	return "an unexpected YAML node"
}

// yamlError turns a YAML syntax error into one line and the line it names
// (0 when it names none), so it reads like every other error:
// "conform.yaml:3: not valid YAML: …".
func (p *parser) yamlError(err error) error {
	msg := strings.TrimPrefix(oneLine(err.Error()), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, after, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				line, msg = n, after
			}
		}
	}
	return p.errf(line, "", "not valid YAML: %s", msg)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// describeFSError drops the path an *fs.PathError repeats.
func describeFSError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func trimAll(list []string, prefix string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strings.TrimPrefix(s, prefix)
	}
	return out
}

// nearest suggests the candidate s was probably meant to be.
func nearest(s string, candidates []string) string { return suggest.Nearest(s, candidates, 1) }
