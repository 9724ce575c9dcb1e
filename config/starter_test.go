package config

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/conform-kit/conform/harness"
)

// commentedKey matches a commented-out setting of the starter file:
// "# key: value" at the top level, "#   Key: value" nested.
var commentedKey = regexp.MustCompile(`(?m)^# ([a-z_]+:(?: .*)?|  [A-Za-z][A-Za-z0-9_-]*: .*)$`)

// uncomment turns every commented-out setting of the starter into a real one.
func uncomment(starter string) string {
	return commentedKey.ReplaceAllString(starter, "$1")
}

func TestStarterLoads(t *testing.T) {
	for _, p := range harness.Providers() {
		t.Run(p.Name, func(t *testing.T) {
			data, err := Starter(p.Name)
			if err != nil {
				t.Fatal(err)
			}
			text := string(data)
			if !strings.HasPrefix(text, "# yaml-language-server: $schema="+SchemaURL+"\n") {
				t.Errorf("the starter does not name the schema on its first line")
			}

			// As written: the settings a first run needs.
			dir := t.TempDir()
			path := filepath.Join(dir, "conform.yaml")
			mustWrite(t, path, text)
			c, err := Load(path, testEnv)
			if err != nil {
				t.Fatalf("the starter does not load: %v", err)
			}
			if c.Provider.Value != p.Name || c.Profile.Value != p.Profiles()[0].Name || c.Target.Value != "http://localhost:8080" {
				t.Errorf("starter: provider %q, profile %q, target %q", c.Provider.Value, c.Profile.Value, c.Target.Value)
			}
			if c.APISecret.Value != "secret-5678" {
				t.Errorf("starter: api_secret is not ${CONFORM_API_SECRET}")
			}
			if (p.APIKeyHeader != "") != c.APIKey.IsSet() {
				t.Errorf("starter: api_key set = %v, but %s sends an API key header: %q", c.APIKey.IsSet(), p.Title, p.APIKeyHeader)
			}
			if len(c.Warnings) != 0 {
				t.Errorf("starter warnings: %q", c.Warnings)
			}

			// Every commented-out example, uncommented, is valid too, and
			// together they set every key the provider can use: so the
			// starter explains every key, and no example is wrong.
			full := uncomment(text)
			mustWrite(t, path, full)
			mustWrite(t, filepath.Join(dir, "certs", "staging-ca.pem"), "x")
			mustWrite(t, filepath.Join(dir, "conform-expected-failures.yaml"), "expected_failures: []\n")
			c, err = Load(path, env(map[string]string{
				"CONFORM_API_KEY": "k", "CONFORM_API_SECRET": "s", "STAGING_GATEWAY_TOKEN": "g", "CONFORM_TEST_HOOK_TOKEN": "h",
			}))
			if err != nil {
				t.Fatalf("the uncommented starter does not load: %v\n%s", err, full)
			}
			bound := map[string]bool{}
			for _, b := range c.bindings {
				bound[b.key] = true
			}
			own := map[string]bool{}
			for _, ep := range p.Endpoints {
				own[flagToKey(ep.Flag)] = true
			}
			for _, f := range fields() {
				set := bound[f.key] || f.key == "version" && c.Version.IsSet() || f.key == "api_secret" && c.APISecret.IsSet() ||
					f.key == "test_hook.token" && c.TestHook.Token.IsSet()
				switch {
				case f.endpoint != "" && !own[f.key]:
					if set {
						t.Errorf("the starter sets %s, which %s does not have", f.key, p.Title)
					}
				case f.key == "api_key" && p.APIKeyHeader == "":
				case !set:
					t.Errorf("the starter does not explain %s (no commented example sets it)", f.key)
				}
			}
			if !strings.Contains(text, "\n# labels: ") || !strings.Contains(text, "\n#   ca_cert: ") {
				t.Errorf("the uncomment convention changed; this test no longer checks the examples")
			}
		})
	}
	if _, err := Starter("onfido"); err == nil {
		t.Errorf("Starter accepts an unknown provider")
	}
}
