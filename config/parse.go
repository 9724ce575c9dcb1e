package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"
	yaml "go.yaml.in/yaml/v3"

	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/signing"
)

// Error is a configuration error. Its text is one line: "file:line: message".
type Error struct {
	Path string
	Line int    // 0 when the error concerns the whole file
	Key  string // the dotted key concerned ("tls.ca_cert"), "" for none
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// kind is how a key's value is read.
type kind int

const (
	kVersion    kind = iota
	kProvider        // a provider name
	kProfile         // a signing profile name
	kURL             // an http(s) URL; "" for none
	kLabels          // a Ginkgo label filter
	kBool            // true or false
	kDuration        // a positive Go duration: "10s"
	kRate            // a positive number of requests per second
	kSeed            // an integer
	kHeaders         // a mapping Name: value, or a list of "Name: value"
	kInPath          // a file conform reads; must exist; "" for none
	kOutPath         // a file conform writes; "" for none
	kCredential      // exactly ${NAME}
)

// field is one key of the file.
type field struct {
	key  string // dotted: "tls.ca_cert"
	flag string // the conform run flag that overrides it; "" for none
	kind kind
	// setOnly: the flag overrides the key but cannot be given the file's
	// value (api_secret vs --secret-file: a secret is never a flag value).
	setOnly  bool
	endpoint string // for endpoint URLs: the endpoint's name
	env      string // for credentials: the variable the docs suggest
}

// groups are the keys whose value is a mapping of further keys.
var groups = []string{"tls", "test_hook", "reports"}

// fields lists every key of the file, in the order the docs present them.
// Endpoint keys come from the provider profiles, so a new provider's
// endpoints need no change here.
func fields() []field {
	fs := []field{
		{key: "version", kind: kVersion},
		{key: "provider", flag: "provider", kind: kProvider},
		{key: "profile", flag: "profile", kind: kProfile},
		{key: "target", flag: "target", kind: kURL},
	}
	for _, p := range harness.Providers() {
		for _, ep := range p.Endpoints {
			fs = append(fs, field{key: flagToKey(ep.Flag), flag: ep.Flag, kind: kURL, endpoint: ep.Name})
		}
	}
	return append(fs,
		field{key: "api_key", flag: "api-key", kind: kCredential, env: "CONFORM_API_KEY"},
		field{key: "api_secret", flag: "secret-file", kind: kCredential, setOnly: true, env: "CONFORM_API_SECRET"},
		field{key: "labels", flag: "labels", kind: kLabels},
		field{key: "strict", flag: "strict", kind: kBool},
		field{key: "timeout", flag: "timeout", kind: kDuration},
		field{key: "budget", flag: "budget", kind: kDuration},
		field{key: "rate", flag: "rate", kind: kRate},
		field{key: "seed", flag: "seed", kind: kSeed},
		field{key: "headers", flag: "header", kind: kHeaders},
		field{key: "tls.ca_cert", flag: "ca-cert", kind: kInPath},
		field{key: "tls.insecure", flag: "insecure", kind: kBool},
		field{key: "test_hook.url", flag: "test-hook-url", kind: kURL},
		field{key: "test_hook.token", kind: kCredential, env: "CONFORM_TEST_HOOK_TOKEN"},
		field{key: "reports.json", flag: "json", kind: kOutPath},
		field{key: "reports.junit", flag: "junit", kind: kOutPath},
		field{key: "reports.html", flag: "html", kind: kOutPath},
		field{key: "reports.markdown", flag: "markdown", kind: kOutPath},
		field{key: "expected_failures", flag: "expected-failures", kind: kInPath},
	)
}

// Keys lists every key of the file, dotted ("tls.ca_cert"), in the order the
// documentation presents them.
func Keys() []string {
	var keys []string
	for _, f := range fields() {
		keys = append(keys, f.key)
	}
	return keys
}

type parser struct {
	name   string
	dir    string
	getenv func(string) string
	// given reports whether a flag was given on the command line.
	given  func(flag string) bool
	fields map[string]field
	c      *Config
}

func (p *parser) errf(line int, key, format string, args ...any) error {
	return &Error{Path: p.name, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) parse(data []byte) (*Config, error) {
	p.fields = map[string]field{}
	for _, f := range fields() {
		p.fields[f.key] = f
	}
	p.c = &Config{Path: p.name, URLs: map[string]Setting[string]{}}

	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return p.c, nil // empty, or only comments: nothing set
	} else if err != nil {
		return nil, p.yamlError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, p.errf(extra.Line, "", "a second YAML document (---): the file must hold exactly one")
	} else if !errors.Is(err, io.EOF) {
		return nil, p.yamlError(err)
	}
	root := deref(&doc)
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = deref(root.Content[0])
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return p.c, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, p.errf(root.Line, "", "the file must be a mapping of keys such as \"provider: veriff\", got %s", kindName(root, false))
	}
	if err := p.mapping("", root); err != nil {
		return nil, err
	}
	if err := p.crossCheck(); err != nil {
		return nil, err
	}
	p.bind()
	return p.c, nil
}

// mapping reads the keys of one mapping; prefix is "" or "tls." etc.
func (p *parser) mapping(prefix string, n *yaml.Node) error {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
			return p.errf(k.Line, "", "keys must be plain names (YAML merge keys and complex keys are not supported)")
		}
		key := prefix + k.Value
		if prev, dup := seen[k.Value]; dup {
			return p.errf(k.Line, key, "key %q is already given at line %d", key, prev)
		}
		seen[k.Value] = k.Line
		if prefix == "" && isGroup(k.Value) {
			if v.Kind != yaml.MappingNode {
				if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
					return p.errf(v.Line, key, "%s has no keys: give some (%s), or remove it", key, strings.Join(p.groupKeys(key), ", "))
				}
				return p.errf(v.Line, key, "%s must be a mapping of keys (%s), got %s", key, strings.Join(p.groupKeys(key), ", "), kindName(v, false))
			}
			if err := p.mapping(key+".", v); err != nil {
				return err
			}
			continue
		}
		f, ok := p.fields[key]
		if !ok {
			return p.unknown(k, prefix, key)
		}
		if err := p.field(f, k.Line, v); err != nil {
			return err
		}
	}
	return nil
}

func isGroup(key string) bool {
	for _, g := range groups {
		if g == key {
			return true
		}
	}
	return false
}

func (p *parser) groupKeys(group string) []string {
	var keys []string
	for _, f := range fields() {
		if strings.HasPrefix(f.key, group+".") {
			keys = append(keys, strings.TrimPrefix(f.key, group+"."))
		}
	}
	return keys
}

// unknown builds the error for a key the file format does not have, with the
// most likely intended key.
func (p *parser) unknown(k *yaml.Node, prefix, key string) error {
	all := append(Keys(), groups...)
	// The right name at the wrong level: "ca_cert" at the top, "json" in tls.
	for _, cand := range all {
		if cand != key && (strings.HasSuffix(cand, "."+k.Value) || cand == k.Value) {
			where := "at the top level"
			if g, _, ok := strings.Cut(cand, "."); ok {
				where = "under " + g + ":"
			}
			return p.errf(k.Line, key, "unknown key %q (did you mean %q? it belongs %s)", key, cand, where)
		}
	}
	// Otherwise the closest key at the same level: a typo changes letters,
	// not levels.
	var level []string
	for _, cand := range all {
		if strings.HasPrefix(cand, prefix) && !strings.Contains(strings.TrimPrefix(cand, prefix), ".") {
			level = append(level, cand)
		}
	}
	if near := nearest(k.Value, trimAll(level, prefix)); near != "" {
		return p.errf(k.Line, key, "unknown key %q (did you mean %q?)", key, prefix+near)
	}
	sort.Strings(level)
	return p.errf(k.Line, key, "unknown key %q (known keys here: %s)", key, strings.Join(level, ", "))
}

// scalar is one scalar value, substituted.
type scalar struct {
	node *yaml.Node
	text string      // after ${…} substitution
	refs []reference // the references substituted
}

func (s scalar) fromEnv() bool { return len(s.refs) > 0 }

// show quotes a value for a message. A value that came from the environment
// is shown as written in the file, never as resolved: the environment is
// where secrets live, and a secret put in the wrong variable must not end up
// in a CI log through an error message.
func (s scalar) show() string {
	if s.fromEnv() {
		return fmt.Sprintf("%q (its value from the environment is not shown)", s.node.Value)
	}
	return strconv.Quote(s.text)
}

// scalar reads n as a scalar and substitutes references in strings.
// sensitive values are never echoed.
func (p *parser) scalar(f field, n *yaml.Node, want string, sensitive bool) (scalar, error) {
	if n.Kind != yaml.ScalarNode {
		return scalar{}, p.errf(n.Line, f.key, "%s must be %s, got %s", f.key, want, kindName(n, sensitive))
	}
	if n.Tag == "!!null" {
		return scalar{}, p.errf(n.Line, f.key, "%s has no value: give one, or remove the key to use the default", f.key)
	}
	s := scalar{node: n, text: n.Value}
	if n.Tag == "!!str" {
		text, refs, err := expand(n.Value, p.getenv)
		if err != nil {
			if p.overridden(f, err) {
				return scalar{}, errOverridden
			}
			return scalar{}, p.errf(n.Line, f.key, "%s: %v", f.key, err)
		}
		s.text, s.refs = text, refs
	}
	return s, nil
}

// str reads a value that must be a YAML string.
func (p *parser) str(f field, n *yaml.Node, want string) (scalar, error) {
	s, err := p.scalar(f, n, want, false)
	if err != nil {
		return s, err
	}
	if n.Tag != "!!str" {
		return s, p.errf(n.Line, f.key, "%s must be %s, got %s", f.key, want, kindName(n, false))
	}
	return s, nil
}

// errOverridden stops reading a key whose flag was given and whose value
// cannot be resolved: the value would never be used.
var errOverridden = errors.New("overridden by a flag")

// overridden reports whether err (from resolving key f) is an unset
// variable in a key whose flag was given on the command line.
func (p *parser) overridden(f field, err error) bool {
	var ue *unsetError
	return errors.As(err, &ue) && f.flag != "" && p.given(f.flag)
}

// field reads one key's value into the Config; a key overridden by a flag
// whose variable is unset is left unset.
func (p *parser) field(f field, keyLine int, n *yaml.Node) error {
	if err := p.value(f, keyLine, n); err != nil && !errors.Is(err, errOverridden) {
		return err
	}
	return nil
}

// value reads one key's value. Errors about the value name the value's
// line; a Setting records the key's line (where a block list starts).
func (p *parser) value(f field, keyLine int, n *yaml.Node) error {
	c := p.c
	line := n.Line
	switch f.kind {
	case kVersion:
		s, err := p.scalar(f, n, "the number 1", false)
		if err != nil {
			return err
		}
		v, ok := p.integer(s)
		if !ok {
			return p.errf(line, f.key, "version must be the number %d, got %s", Version, kindName(n, false))
		}
		if v != Version {
			return p.errf(line, f.key, "version %d is not supported: this conform reads version %d (was the file written by a newer conform?)", v, Version)
		}
		c.Version = Setting[int]{int(v), keyLine}

	case kProvider:
		s, err := p.str(f, n, "a provider name")
		if err != nil {
			return err
		}
		if _, err := harness.LookupProvider(s.text); err != nil {
			return p.errf(line, f.key, "provider %s is not a provider conform knows (known: %s)", s.show(), strings.Join(providerNames(), ", "))
		}
		c.Provider = Setting[string]{s.text, keyLine}

	case kProfile:
		s, err := p.str(f, n, "a signing profile name")
		if err != nil {
			return err
		}
		if _, err := signing.Lookup(s.text); err != nil {
			return p.errf(line, f.key, "profile %s is not a signing profile (known: %s)", s.show(), strings.Join(signing.Names(), ", "))
		}
		c.Profile = Setting[string]{s.text, keyLine}

	case kURL:
		s, err := p.str(f, n, "an http:// or https:// URL")
		if err != nil {
			return err
		}
		if s.text != "" {
			if msg := checkURL(s.text); msg != "" {
				shown := s.show()
				if u, err := url.Parse(s.text); err == nil && u.User != nil {
					u.User = nil // never echo a password from the file
					shown = strconvQuote(strings.Replace(u.String(), "://", "://[redacted]@", 1))
				}
				return p.errf(line, f.key, "%s: %s %s", f.key, shown, msg)
			}
		}
		set := Setting[string]{s.text, keyLine}
		switch {
		case f.endpoint != "":
			c.URLs[f.endpoint] = set
		case f.key == "target":
			c.Target = set
		case f.key == "test_hook.url":
			c.TestHook.URL = set
		}

	case kLabels:
		s, err := p.str(f, n, "a label filter such as 'signature || auth'")
		if err != nil {
			return err
		}
		if _, err := types.ParseLabelFilter(s.text); err != nil {
			if s.fromEnv() { // Ginkgo's message quotes the filter
				return p.errf(line, f.key, "labels %s is not a label filter", s.show())
			}
			return p.errf(line, f.key, "labels %s is not a label filter: %s", s.show(), oneLine(err.Error()))
		}
		c.Labels = Setting[string]{s.text, keyLine}

	case kBool:
		s, err := p.scalar(f, n, "true or false", false)
		if err != nil {
			return err
		}
		var b bool
		switch {
		case n.Tag == "!!bool":
			if err := n.Decode(&b); err != nil {
				return p.errf(line, f.key, "%s must be true or false, got %s", f.key, kindName(n, false))
			}
		case s.fromEnv() && (s.text == "true" || s.text == "false"):
			b = s.text == "true"
		default:
			return p.errf(line, f.key, "%s must be true or false, got %s", f.key, p.describe(s))
		}
		if f.key == "strict" {
			c.Strict = Setting[bool]{b, keyLine}
		} else {
			c.Insecure = Setting[bool]{b, keyLine}
		}

	case kDuration:
		want := "a duration such as \"10s\" or \"1m30s\""
		s, err := p.scalar(f, n, want, false)
		if err != nil {
			return err
		}
		if n.Tag == "!!int" || n.Tag == "!!float" {
			return p.errf(line, f.key, "%s must be %s, got the number %s: add a unit", f.key, want, n.Value)
		}
		if n.Tag != "!!str" {
			return p.errf(line, f.key, "%s must be %s, got %s", f.key, want, kindName(n, false))
		}
		d, err := time.ParseDuration(strings.TrimSpace(s.text))
		if err != nil {
			return p.errf(line, f.key, "%s: %s is not %s", f.key, s.show(), want)
		}
		if d <= 0 {
			return p.errf(line, f.key, "%s must be positive, got %s", f.key, s.show())
		}
		if f.key == "timeout" {
			c.Timeout = Setting[time.Duration]{d, keyLine}
		} else {
			c.Budget = Setting[time.Duration]{d, keyLine}
		}

	case kRate:
		want := "a number of requests per second, such as 5 or 0.5"
		s, err := p.scalar(f, n, want, false)
		if err != nil {
			return err
		}
		var r float64
		switch {
		case n.Tag == "!!int" || n.Tag == "!!float":
			if err := n.Decode(&r); err != nil {
				return p.errf(line, f.key, "rate must be %s, got %s", want, kindName(n, false))
			}
		case s.fromEnv():
			if r, err = strconv.ParseFloat(strings.TrimSpace(s.text), 64); err != nil {
				return p.errf(line, f.key, "rate: %s is not %s", s.show(), want)
			}
		default:
			return p.errf(line, f.key, "rate must be %s, got %s", want, kindName(n, false))
		}
		if math.IsNaN(r) || math.IsInf(r, 0) || r <= 0 {
			return p.errf(line, f.key, "rate must be a positive number of requests per second, got %s (remove the key for conform's default)", p.describe(s))
		}
		c.Rate = Setting[float64]{r, keyLine}

	case kSeed:
		s, err := p.scalar(f, n, "an integer", false)
		if err != nil {
			return err
		}
		v, ok := p.integer(s)
		if !ok {
			return p.errf(line, f.key, "seed must be an integer, got %s", p.describe(s))
		}
		c.Seed = Setting[int64]{v, keyLine}

	case kHeaders:
		hs, err := p.headers(f, n)
		if err != nil {
			return err
		}
		c.Headers = Setting[[]Header]{hs, keyLine}

	case kInPath, kOutPath:
		s, err := p.str(f, n, "a file path")
		if err != nil {
			return err
		}
		path := s.text
		if path != "" && !filepath.IsAbs(path) {
			path = filepath.Join(p.dir, path)
		}
		if path != "" && f.kind == kInPath {
			st, err := os.Stat(path)
			rel := ""
			if path != s.text {
				rel = fmt.Sprintf(" (%s, relative to the directory of %s)", path, p.name)
			}
			switch {
			case err != nil:
				return p.errf(line, f.key, "%s: %s%s: %v", f.key, s.show(), rel, describeFSError(err))
			case st.IsDir():
				return p.errf(line, f.key, "%s: %s%s is a directory, not a file", f.key, s.show(), rel)
			}
		}
		set := Setting[string]{path, keyLine}
		switch f.key {
		case "tls.ca_cert":
			c.CACert = set
		case "expected_failures":
			c.ExpectedFailures = set
		case "reports.json":
			c.Reports.JSON = set
		case "reports.junit":
			c.Reports.JUnit = set
		case "reports.html":
			c.Reports.HTML = set
		case "reports.markdown":
			c.Reports.Markdown = set
		}

	case kCredential:
		v, err := p.credential(f, n)
		if err != nil {
			return err
		}
		set := Setting[string]{v, keyLine}
		switch f.key {
		case "api_key":
			c.APIKey = set
		case "api_secret":
			c.APISecret = set
		case "test_hook.token":
			c.TestHook.Token = set
		}
		c.secrets = append(c.secrets, v)
	}
	return nil
}

// describe names a scalar's type and value for a message about a value of
// the wrong form.
func (p *parser) describe(s scalar) string {
	if s.fromEnv() {
		return s.show()
	}
	return kindName(s.node, false)
}

// integer reads an integer: a YAML integer, or a string substituted from the
// environment that spells one.
func (p *parser) integer(s scalar) (int64, bool) {
	switch {
	case s.node.Tag == "!!int":
		var v int64
		return v, s.node.Decode(&v) == nil
	case s.fromEnv():
		v, err := strconv.ParseInt(strings.TrimSpace(s.text), 10, 64)
		return v, err == nil
	}
	return 0, false
}

// credential reads a value that may only be a reference to an environment
// variable. A literal is refused, not warned about: conform.yaml exists to be
// committed next to the code, and a secret that reaches a repository's history
// is leaked for good, while the fix costs one environment variable. The value
// is never part of the message.
func (p *parser) credential(f field, n *yaml.Node) (string, error) {
	refuse := fmt.Sprintf("%s must be a reference to an environment variable, such as \"${%s}\", "+
		"never the value itself: this file is meant to be committed, and a secret in it leaks to everyone "+
		"who can read the repository (the value is not shown)", f.key, f.env)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return "", p.errf(n.Line, f.key, "%s has no value: write \"${%s}\", or remove the key", f.key, f.env)
	}
	if n.Kind != yaml.ScalarNode {
		return "", p.errf(n.Line, f.key, "%s", refuse)
	}
	name, ok := soleReference(n.Value)
	if n.Tag != "!!str" || !ok {
		if n.Tag == "!!str" && strings.Contains(n.Value, "${") && !strings.Contains(n.Value, "$${") {
			return "", p.errf(n.Line, f.key, "%s must be exactly one reference such as \"${%s}\", with no default and nothing around it: "+
				"a default or a fixed part would be a secret written into the file (the value is not shown)", f.key, f.env)
		}
		return "", p.errf(n.Line, f.key, "%s", refuse)
	}
	v := p.getenv(name)
	if v == "" {
		if p.overridden(f, &unsetError{name}) {
			return "", errOverridden
		}
		return "", p.errf(n.Line, f.key, "%s: environment variable %s is not set (or is empty)", f.key, name)
	}
	return v, nil
}

// crossCheck checks what no single key can: combinations.
func (p *parser) crossCheck() error {
	c := p.c
	var prov *harness.Provider
	if c.Provider.IsSet() {
		prov, _ = harness.LookupProvider(c.Provider.Value)
	}
	if prov != nil && c.Profile.IsSet() {
		if _, err := prov.Profile(c.Profile.Value); err != nil {
			return p.errf(c.Profile.Line, "profile", "%v", err)
		}
	}
	if prov != nil {
		own := map[string]bool{}
		for _, ep := range prov.Endpoints {
			own[ep.Name] = true
		}
		for _, ep := range sortedEndpoints(c.URLs) {
			if !own[ep] {
				key := endpointKey(ep)
				return p.errf(c.URLs[ep].Line, key, "%s: %s has no %s endpoint; its endpoints: %s", key, prov.Title, ep, endpointKeys(prov))
			}
		}
	}
	if c.TestHook.Token.IsSet() && c.TestHook.URL.Value == "" {
		return p.errf(c.TestHook.Token.Line, "test_hook.token", "test_hook.token is set but test_hook.url is not: the token is sent to that URL")
	}
	if c.Insecure.Value && c.CACert.Value != "" {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s:%d: tls.insecure is true, so tls.ca_cert (line %d) is not used: certificates are not verified at all",
			p.name, c.Insecure.Line, c.CACert.Line))
	}
	return nil
}

// bind records, for Apply, each set key with the flag values it stands for.
func (p *parser) bind() {
	c := p.c
	for _, f := range fields() {
		if f.flag == "" || f.setOnly {
			continue
		}
		var line int
		var values []string
		one := func(l int, v string) { line, values = l, []string{v} }
		switch f.key {
		case "provider":
			one(c.Provider.Line, c.Provider.Value)
		case "profile":
			one(c.Profile.Line, c.Profile.Value)
		case "target":
			one(c.Target.Line, c.Target.Value)
		case "api_key":
			one(c.APIKey.Line, c.APIKey.Value)
		case "labels":
			one(c.Labels.Line, c.Labels.Value)
		case "strict":
			one(c.Strict.Line, strconv.FormatBool(c.Strict.Value))
		case "timeout":
			one(c.Timeout.Line, c.Timeout.Value.String())
		case "budget":
			one(c.Budget.Line, c.Budget.Value.String())
		case "rate":
			one(c.Rate.Line, strconv.FormatFloat(c.Rate.Value, 'g', -1, 64))
		case "seed":
			one(c.Seed.Line, strconv.FormatInt(c.Seed.Value, 10))
		case "headers":
			line = c.Headers.Line
			for _, h := range c.Headers.Value {
				values = append(values, h.Name+": "+h.Value)
			}
		case "tls.ca_cert":
			one(c.CACert.Line, c.CACert.Value)
		case "tls.insecure":
			one(c.Insecure.Line, strconv.FormatBool(c.Insecure.Value))
		case "test_hook.url":
			one(c.TestHook.URL.Line, c.TestHook.URL.Value)
		case "reports.json":
			one(c.Reports.JSON.Line, c.Reports.JSON.Value)
		case "reports.junit":
			one(c.Reports.JUnit.Line, c.Reports.JUnit.Value)
		case "reports.html":
			one(c.Reports.HTML.Line, c.Reports.HTML.Value)
		case "reports.markdown":
			one(c.Reports.Markdown.Line, c.Reports.Markdown.Value)
		case "expected_failures":
			one(c.ExpectedFailures.Line, c.ExpectedFailures.Value)
		default:
			if f.endpoint != "" {
				s := c.URLs[f.endpoint]
				one(s.Line, s.Value)
			}
		}
		if line > 0 {
			c.bindings = append(c.bindings, binding{key: f.key, flag: f.flag, line: line, values: values})
		}
	}
}

func providerNames() []string {
	var names []string
	for _, p := range harness.Providers() {
		names = append(names, p.Name)
	}
	return names
}

// checkURL returns why raw is not a URL conform can send to, or "".
func checkURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "is not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "must be an http:// or https:// URL"
	case u.Host == "":
		return "has no host"
	case u.User != nil:
		// user:password@ in a committed file is a secret in the file.
		return "must not carry credentials (user:password@); use headers with a ${NAME} value for a gateway's auth"
	}
	return ""
}

func strconvQuote(s string) string { return strconv.Quote(s) }
