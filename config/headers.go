package config

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/conform-kit/conform/harness"
	yaml "go.yaml.in/yaml/v3"
)

// headers reads the extra headers: a mapping (Name: value) or a list of
// "Name: value" strings (the -H form; it allows a name twice).
func (p *parser) headers(f field, n *yaml.Node) ([]Header, error) {
	const want = "a mapping of Name: value, or a list of \"Name: value\""
	hs := []Header{}
	add := func(line int, name string, s scalar, value string) error {
		if !validHeaderName(name) {
			return p.errf(line, f.key, "headers: %q is not a header name", name)
		}
		if reservedHeader(name) {
			return p.errf(line, f.key, "headers: conform sets %s itself (checks vary it on purpose); it cannot be an extra header", http.CanonicalHeaderKey(name))
		}
		if strings.ContainsFunc(value, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
			return p.errf(line, f.key, "headers: the value of %s holds a line break or control character (the value is not shown)", name)
		}
		if s.fromEnv() {
			p.c.secrets = append(p.c.secrets, value)
		} else if looksLikeCredential(name) && value != "" {
			p.c.Warnings = append(p.c.Warnings, fmt.Sprintf("%s:%d: header %s has a literal value in the file; if it is a credential, write it as ${NAME} so that it stays out of the repository",
				p.name, line, http.CanonicalHeaderKey(name)))
		}
		hs = append(hs, Header{Name: name, Value: value, Line: line})
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := deref(n.Content[i]), deref(n.Content[i+1])
			if k.Kind != yaml.ScalarNode || k.Tag != "!!str" {
				return nil, p.errf(k.Line, f.key, "headers: a header name must be text, got %s", kindName(k, false))
			}
			canon := http.CanonicalHeaderKey(k.Value)
			if prev, dup := seen[canon]; dup {
				return nil, p.errf(k.Line, f.key, "headers: %s is already given at line %d (use the list form to send a header twice)", canon, prev)
			}
			seen[canon] = k.Line
			hf := field{key: "headers." + k.Value, flag: f.flag}
			// A header value is text; 3 or true are read as the text they spell.
			if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
				return nil, p.errf(v.Line, f.key, "headers: the value of %s must be text, got %s", k.Value, kindName(v, true))
			}
			s, err := p.scalar(hf, v, "text", true)
			if err != nil {
				return nil, err
			}
			if err := add(v.Line, k.Value, s, strings.TrimSpace(s.text)); err != nil {
				return nil, err
			}
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			item = deref(item)
			if item.Kind != yaml.ScalarNode || item.Tag != "!!str" {
				return nil, p.errf(item.Line, f.key, "headers: item %d must be a string \"Name: value\", got %s", i+1, kindName(item, true))
			}
			s, err := p.scalar(field{key: "headers", flag: f.flag}, item, "text", true)
			if err != nil {
				return nil, err
			}
			name, value, ok := strings.Cut(s.text, ":")
			name = strings.TrimSpace(name)
			if !ok || name == "" {
				return nil, p.errf(item.Line, f.key, "headers: item %d must be \"Name: value\" (the value is not shown)", i+1)
			}
			if err := add(item.Line, name, s, strings.TrimSpace(value)); err != nil {
				return nil, err
			}
		}
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, p.errf(n.Line, f.key, "headers has no value: give some, or remove the key")
		}
		return nil, p.errf(n.Line, f.key, "headers must be %s, got %s", want, kindName(n, true))
	default:
		return nil, p.errf(n.Line, f.key, "headers must be %s", want)
	}
	return hs, nil
}

// reservedHeader reports whether conform sets the header itself: the
// provider headers the checks vary on purpose, and the framing headers.
func reservedHeader(name string) bool {
	canon := http.CanonicalHeaderKey(name)
	switch canon {
	case "Content-Type", "Content-Length", "Host":
		return true
	}
	for _, p := range harness.Providers() {
		if p.APIKeyHeader != "" && http.CanonicalHeaderKey(p.APIKeyHeader) == canon {
			return true
		}
		for _, sp := range p.Profiles() {
			if http.CanonicalHeaderKey(sp.Header) == canon {
				return true
			}
		}
	}
	return false
}

func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r > 0x7e || r <= ' ' || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", r) {
			return false
		}
	}
	return true
}

// looksLikeCredential reports whether a header name suggests its value is a
// credential.
func looksLikeCredential(name string) bool {
	l := strings.ToLower(name)
	for _, w := range []string{"auth", "token", "key", "secret", "cookie", "password", "signature"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}
