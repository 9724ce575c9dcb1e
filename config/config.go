// Package config reads conform.yaml, the file that holds the settings of
// `conform run` so that a CI gate or a staging run is one short command.
//
// The rules, in one place:
//
//   - Precedence: a flag given on the command line > the file > conform's
//     default. Config.Apply implements it on a command's flag set.
//   - Strictness: an unknown key, a wrong type or a bad value is an error that
//     names the file and line ("conform.yaml:7: unknown key \"tiemout\" (did
//     you mean \"timeout\"?)"). A typo never silently falls back to a default.
//   - ${NAME} in any string value is replaced by the environment variable
//     NAME; an unset (or empty) variable is an error naming it and the line.
//     ${NAME:-default} makes a variable optional; $${ is a literal ${.
//   - Credentials (api_key, api_secret, test_hook.token) may only be written
//     as ${NAME}: a literal secret in a file that is meant to be committed is
//     refused, and no error ever shows a credential's value, nor any value
//     that came from the environment.
//   - Relative paths in the file are relative to the file's directory, so the
//     file means the same thing whatever directory conform runs in.
//
// A command uses it like this (every error is a usage error, exit 2):
//
//	cfg, err := config.LoadFor(path, getenv, cmd.Flags()) // path: --config, or config.Find(".")
//	for _, w := range cfg.Warnings { /* print "warning: " + w to stderr */ }
//	err = cfg.Apply(cmd.Flags())            // file values into flags not given
//	secret, ok := cfg.Secret(cmd.Flags())   // !ok: --secret-file or CONFORM_API_SECRET as before
//	rate := cfg.Rate.Or(defaultRate)        // a key that has no flag yet
//	redact(cfg.Secrets())                   // credentials and header values from the environment
//
// After Apply, a flag set from the file reports Changed too: ask Changed
// before Apply when it matters whether the user typed the flag.
package config

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/conform-kit/conform/harness"
)

// DefaultFile is the name Find looks for.
const DefaultFile = "conform.yaml"

// Version is the file format version this package reads.
const Version = 1

// SchemaFile is the file's JSON Schema (draft-07), for editors.
const SchemaFile = "conform-config.schema.json"

// SchemaURL is where editors fetch the schema; the starter file names it in a
// yaml-language-server comment.
const SchemaURL = "https://raw.githubusercontent.com/conform-kit/conform/main/config/" + SchemaFile

//go:embed conform-config.schema.json
var schemaFS embed.FS

// Schema returns the JSON Schema of conform.yaml.
func Schema() []byte {
	b, err := schemaFS.ReadFile(SchemaFile)
	if err != nil {
		panic(err) // embedded at build time; cannot fail
	}
	return b
}

// maxFileBytes bounds the file read: a configuration is a page, not a disk.
const maxFileBytes = 1 << 20

// Setting is one value from the file. Line is where the file sets it, 0 when
// the file does not: callers tell "set in the file" from "default" by it.
type Setting[T any] struct {
	Value T
	Line  int
}

// IsSet reports whether the file sets the value.
func (s Setting[T]) IsSet() bool { return s.Line > 0 }

// Or returns the file's value, or def when the file does not set it.
func (s Setting[T]) Or(def T) T {
	if s.IsSet() {
		return s.Value
	}
	return def
}

// Header is one extra request header from the file.
type Header struct {
	Name, Value string
	Line        int
}

// Config is a loaded conform.yaml. String values are already substituted;
// paths are already resolved against the file's directory.
//
// APIKey, APISecret, TestHook.Token and header values may be secrets: never
// print them. Secrets lists every such value for redaction.
type Config struct {
	// Path is the file as named by the caller, used in every message.
	Path string

	Version  Setting[int]
	Provider Setting[string]
	Profile  Setting[string]
	Target   Setting[string]
	// URLs are the per-endpoint URLs keyed by endpoint name ("decision",
	// "event", "callback"), set by decision_url, event_url, callback_url.
	URLs    map[string]Setting[string]
	Labels  Setting[string]
	Strict  Setting[bool]
	Timeout Setting[time.Duration]
	Budget  Setting[time.Duration]
	// Rate caps conform's requests per second (staging safety).
	Rate     Setting[float64]
	Seed     Setting[int64]
	Headers  Setting[[]Header]
	CACert   Setting[string]
	Insecure Setting[bool]

	APIKey    Setting[string]
	APISecret Setting[string]

	TestHook TestHook
	Reports  Reports
	// ExpectedFailures is the expected-failures file (package expect).
	ExpectedFailures Setting[string]

	// Warnings are things that are allowed but probably wrong (a literal
	// value in an Authorization header). The caller prints them.
	Warnings []string

	secrets  []string
	bindings []binding
}

// TestHook is the integrator's test hook (issue 4 §6): an HTTP endpoint in
// the integrator's test build that the lifecycle checks drive.
type TestHook struct {
	URL   Setting[string]
	Token Setting[string]
}

// Reports are the report files a run writes.
type Reports struct {
	JSON, JUnit, HTML, Markdown Setting[string]
}

// Where names a line of the file for messages: "conform.yaml:7".
func (c *Config) Where(line int) string {
	if line <= 0 {
		return c.Path
	}
	return fmt.Sprintf("%s:%d", c.Path, line)
}

// Secrets returns every value from the file that may be secret: the
// credentials, the test hook's token, and header values taken from the
// environment. A caller that prints requests redacts them.
func (c *Config) Secrets() []string { return append([]string(nil), c.secrets...) }

// Load reads and validates the configuration file at path. getenv resolves
// ${NAME} references (os.Getenv, or a map in tests). Every error is one line
// that starts with "path:line:" when it concerns a line, and is a usage
// error (exit 2) to the caller.
func Load(path string, getenv func(string) string) (*Config, error) {
	return load(path, getenv, nil)
}

func load(path string, getenv func(string) string, given func(flag string) bool) (*Config, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, describeFSError(err))
	}
	defer fh.Close()
	if st, err := fh.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not a configuration file", path)
	}
	data, err := io.ReadAll(io.LimitReader(fh, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, describeFSError(err))
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("%s: larger than 1 MiB; this is not a conform configuration file", path)
	}
	return parse(path, data, getenv, given)
}

// LoadFor is Load for a command whose flags are fs, and is what `conform
// run` uses. A key whose flag was given on the command line is overridden,
// so its value is never used: an unset variable in it is not an error, and
// the key is left unset. Everything else is checked exactly as Load checks
// it (a wrong type in an overridden key is still an error: the file is
// wrong whatever the command line says). With the starter file's
// "api_secret: ${CONFORM_API_SECRET}", a run with --secret-file therefore
// does not need CONFORM_API_SECRET set.
//
// Call Apply with the same flag set afterwards.
func LoadFor(path string, getenv func(string) string, fs *pflag.FlagSet) (*Config, error) {
	c, err := load(path, getenv, func(flag string) bool { return changed(fs, flag) })
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Parse is Load for bytes already read. name is used in messages and, when
// it has a directory part, relative paths in the file are resolved against
// that directory.
func Parse(name string, data []byte, getenv func(string) string) (*Config, error) {
	return parse(name, data, getenv, nil)
}

func parse(name string, data []byte, getenv func(string) string, given func(flag string) bool) (*Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if given == nil {
		given = func(string) bool { return false }
	}
	p := &parser{name: name, dir: filepath.Dir(name), getenv: getenv, given: given}
	c, err := p.parse(data)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Find returns the configuration file conform reads when --config is not
// given: ./conform.yaml in dir, or "" when there is none. Only dir itself is
// searched, never its parents: in a monorepo, a file found three levels up
// would silently configure a run nobody meant it for. A conform.yml (the
// other spelling) is an error rather than ignored, so it cannot be
// mistaken for a file conform reads.
func Find(dir string) (string, error) {
	path := filepath.Join(dir, DefaultFile)
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		return "", fmt.Errorf("%s is a directory, not a configuration file", path)
	case err == nil:
		return path, nil
	case !errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("%s: %v", path, describeFSError(err))
	}
	other := filepath.Join(dir, "conform.yml")
	if _, err := os.Stat(other); err == nil {
		return "", fmt.Errorf("found %s, but conform reads %s: rename it, or pass --config %s", other, DefaultFile, other)
	}
	return "", nil
}

// binding ties a key of the file to the flag that overrides it.
type binding struct {
	key    string   // "tls.ca_cert"
	flag   string   // "ca-cert"
	line   int      // where the file sets it
	values []string // as the flag's Set takes them; several for a list
}

// Flag returns the command-line flag that overrides key ("tls.ca_cert" →
// "ca-cert"), or "" when no flag does.
func Flag(key string) string {
	for _, f := range fields() {
		if f.key == key {
			return f.flag
		}
	}
	return ""
}

// Apply gives every setting of the file to the flag in fs that overrides it,
// unless that flag was given on the command line: flag given > file >
// default. Keys whose flag fs does not define are skipped; the caller reads
// them from the Config (Rate, TestHook, … until they have flags).
//
// A list (headers) is replaced as a whole: one -H on the command line
// replaces every header of the file. One rule for every key is easier to
// predict than a merge.
//
// api_secret has no flag to set (a secret is never a flag); --secret-file
// overrides it. Use Secret for it.
//
// Apply also checks that the file's provider-specific settings (profile,
// endpoint URLs) belong to the provider the run ends up with, since a
// --provider on the command line can change it.
func (c *Config) Apply(fs *pflag.FlagSet) error {
	if err := c.checkProvider(fs); err != nil {
		return err
	}
	for _, b := range c.bindings {
		fl := fs.Lookup(b.flag)
		if fl == nil || fl.Changed {
			continue
		}
		for _, v := range b.values {
			if err := fs.Set(b.flag, v); err != nil {
				// The file's values are validated already; this is a flag
				// that parses differently from the file. Never echo the
				// value: it may be a header's secret.
				if b.key == "headers" || b.key == "api_key" {
					err = errors.New("the value is not shown")
				}
				return fmt.Errorf("%s: %s: the --%s flag does not accept the file's value: %v", c.Where(b.line), b.key, b.flag, err)
			}
		}
	}
	return nil
}

// Secret returns the API secret from the file, when the file sets it and
// --secret-file was not given (ok is false otherwise: the caller then reads
// --secret-file or CONFORM_API_SECRET as before).
func (c *Config) Secret(fs *pflag.FlagSet) (secret string, ok bool) {
	if !c.APISecret.IsSet() {
		return "", false
	}
	if fl := fs.Lookup("secret-file"); fl != nil && fl.Changed {
		return "", false
	}
	return c.APISecret.Value, true
}

// checkProvider refuses a combination the user cannot have meant: the file
// sets a profile or endpoint of one provider, and the run is for another.
func (c *Config) checkProvider(fs *pflag.FlagSet) error {
	name := c.Provider.Value
	overridden := false
	if fl := fs.Lookup("provider"); fl != nil && fl.Changed {
		name, overridden = fl.Value.String(), true
	}
	if name == "" {
		return nil
	}
	p, err := harness.LookupProvider(name)
	if err != nil {
		return nil // the command reports an unknown --provider itself
	}
	because := ""
	if overridden && c.Provider.IsSet() {
		because = fmt.Sprintf(" (--provider %s overrides %s)", name, c.Where(c.Provider.Line))
	} else if overridden {
		because = fmt.Sprintf(" (from --provider %s)", name)
	}
	if c.Profile.IsSet() && !changed(fs, "profile") {
		if _, err := p.Profile(c.Profile.Value); err != nil {
			return fmt.Errorf("%s: %v%s", c.Where(c.Profile.Line), err, because)
		}
	}
	own := map[string]bool{}
	for _, ep := range p.Endpoints {
		own[ep.Name] = true
	}
	for _, ep := range sortedEndpoints(c.URLs) {
		s := c.URLs[ep]
		key := endpointKey(ep)
		if own[ep] || changed(fs, Flag(key)) {
			continue
		}
		return fmt.Errorf("%s: %s: %s has no %s endpoint%s; its endpoints: %s", c.Where(s.Line), key, p.Title, ep, because, endpointKeys(p))
	}
	return nil
}

func changed(fs *pflag.FlagSet, flag string) bool {
	fl := fs.Lookup(flag)
	return fl != nil && fl.Changed
}

func sortedEndpoints(m map[string]Setting[string]) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return m[names[i]].Line < m[names[j]].Line })
	return names
}

// endpointKey is the file's key for an endpoint's URL: its flag, in the
// file's snake_case ("decision-url" → "decision_url").
func endpointKey(endpoint string) string {
	for _, p := range harness.Providers() {
		for _, ep := range p.Endpoints {
			if ep.Name == endpoint {
				return flagToKey(ep.Flag)
			}
		}
	}
	return endpoint + "_url"
}

func flagToKey(flag string) string { return strings.ReplaceAll(flag, "-", "_") }

func endpointKeys(p *harness.Provider) string {
	var keys []string
	for _, ep := range p.Endpoints {
		keys = append(keys, endpointKey(ep.Name))
	}
	return strings.Join(keys, ", ")
}

// String describes the configuration without any value that may be secret,
// so that printing a Config by mistake (%v, %+v, %#v) leaks nothing: it
// names the file and the keys it sets, with their lines.
func (c Config) String() string {
	var set []string
	for _, b := range c.bindings {
		set = append(set, fmt.Sprintf("%s@%d", b.key, b.line))
	}
	for key, s := range map[string]Setting[string]{"api_secret": c.APISecret, "test_hook.token": c.TestHook.Token} {
		if s.IsSet() {
			set = append(set, fmt.Sprintf("%s@%d", key, s.Line))
		}
	}
	for key, line := range map[string]int{"version": c.Version.Line} {
		if line > 0 {
			set = append(set, fmt.Sprintf("%s@%d", key, line))
		}
	}
	sort.Strings(set)
	return fmt.Sprintf("config %s {%s} (values not shown)", c.Path, strings.Join(set, " "))
}

// GoString is String, for %#v.
func (c Config) GoString() string { return c.String() }
