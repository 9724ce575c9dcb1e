package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestExpand(t *testing.T) {
	e := env(map[string]string{"A": "alpha", "B": "b$x${A}", "EMPTY": ""})
	for _, tc := range []struct{ in, want, err string }{
		{in: "plain", want: "plain"},
		{in: "${A}", want: "alpha"},
		{in: "x-${A}-${A}", want: "x-alpha-alpha"},
		{in: "${A:-d}", want: "alpha"},
		{in: "${NOPE:-fallback}", want: "fallback"},
		{in: "${EMPTY:-fallback}", want: "fallback"},
		{in: "${NOPE:-}", want: ""},
		{in: "${NOPE:-a:-b}", want: "a:-b"},
		// Substitution is one pass: a value holding ${…} is not expanded again.
		{in: "${B}", want: "b$x${A}"},
		// Only ${ starts a reference; $${ is the escape.
		{in: "$${A}", want: "${A}"},
		{in: "$$${A}", want: "$${A}"}, // left to right: "$", then the escape
		{in: "$HOME and pa$$word and $", want: "$HOME and pa$$word and $"},
		{in: "cost: 5$", want: "cost: 5$"},
		{in: "${NOPE}", err: "environment variable NOPE is not set (or is empty); set it, or write ${NOPE:-default} to make it optional"},
		{in: "${EMPTY}", err: "environment variable EMPTY is not set (or is empty)"},
		{in: "${A", err: "unterminated ${"},
		{in: "${}", err: `${}: "" is not an environment variable name`},
		{in: "${A-B}", err: `"A-B" is not an environment variable name`},
		{in: "${9A}", err: `"9A" is not an environment variable name`},
		{in: "${ A }", err: `" A " is not an environment variable name`},
	} {
		got, _, err := expand(tc.in, e)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("expand(%q): error %v, want one containing %q", tc.in, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("expand(%q): %v", tc.in, err)
		case tc.err == "" && got != tc.want:
			t.Errorf("expand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// A file using every key, and the values Load makes of it.
func TestLoadEveryKey(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "certs", "ca.pem"), "not checked here")
	mustWrite(t, filepath.Join(dir, "expected.yaml"), "expected_failures: []\n")
	src := `# comment
version: 1
provider: veriff
profile: veriff-hmac
target: ${STAGING}
decision_url: ${STAGING}/hooks/decision
event_url: "${STAGING:-http://unused}/hooks/events?x=$${literal}"
api_key: ${CONFORM_API_KEY}
api_secret: "${CONFORM_API_SECRET}"
labels: "signature || auth"
strict: ${STRICT}
timeout: 1m30s
budget: ${WAIT}
rate: ${RATE}
seed: ${SEED}
headers:
  X-Gateway-Token: ${GATEWAY_TOKEN}
  X-Env: staging
  X-Retry: 3
  Authorization: Bearer literal
tls:
  ca_cert: certs/ca.pem
  insecure: false
test_hook:
  url: http://127.0.0.1:8081/hook
  token: ${CONFORM_API_KEY}
reports:
  json: out/report.json
  junit: /abs/junit.xml
  html: out/report.html
  markdown: ""
expected_failures: expected.yaml
`
	path := filepath.Join(dir, "conform.yaml")
	mustWrite(t, path, src)
	c, err := Load(path, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, got, want any, gotLine, wantLine int) {
		t.Helper()
		if !reflect.DeepEqual(got, want) || gotLine != wantLine {
			t.Errorf("%s = %#v at line %d, want %#v at line %d", what, got, gotLine, want, wantLine)
		}
	}
	check("version", c.Version.Value, 1, c.Version.Line, 2)
	check("provider", c.Provider.Value, "veriff", c.Provider.Line, 3)
	check("profile", c.Profile.Value, "veriff-hmac", c.Profile.Line, 4)
	check("target", c.Target.Value, "https://staging.example.com", c.Target.Line, 5)
	check("decision_url", c.URLs["decision"].Value, "https://staging.example.com/hooks/decision", c.URLs["decision"].Line, 6)
	check("event_url", c.URLs["event"].Value, "https://staging.example.com/hooks/events?x=${literal}", c.URLs["event"].Line, 7)
	check("api_key", c.APIKey.Value, "key-1234", c.APIKey.Line, 8)
	check("api_secret", c.APISecret.Value, "secret-5678", c.APISecret.Line, 9)
	check("labels", c.Labels.Value, "signature || auth", c.Labels.Line, 10)
	check("strict", c.Strict.Value, true, c.Strict.Line, 11)
	check("timeout", c.Timeout.Value, 90*time.Second, c.Timeout.Line, 12)
	check("budget", c.Budget.Value, 3*time.Second, c.Budget.Line, 13)
	check("rate", c.Rate.Value, 2.5, c.Rate.Line, 14)
	check("seed", c.Seed.Value, int64(42), c.Seed.Line, 15)
	check("headers", c.Headers.Value, []Header{
		{"X-Gateway-Token", "gw-token-9999", 17}, {"X-Env", "staging", 18}, {"X-Retry", "3", 19}, {"Authorization", "Bearer literal", 20},
	}, c.Headers.Line, 16)
	check("tls.ca_cert", c.CACert.Value, filepath.Join(dir, "certs", "ca.pem"), c.CACert.Line, 22)
	check("tls.insecure", c.Insecure.Value, false, c.Insecure.Line, 23)
	check("test_hook.url", c.TestHook.URL.Value, "http://127.0.0.1:8081/hook", c.TestHook.URL.Line, 25)
	check("test_hook.token", c.TestHook.Token.Value, "key-1234", c.TestHook.Token.Line, 26)
	check("reports.json", c.Reports.JSON.Value, filepath.Join(dir, "out", "report.json"), c.Reports.JSON.Line, 28)
	check("reports.junit", c.Reports.JUnit.Value, "/abs/junit.xml", c.Reports.JUnit.Line, 29)
	check("reports.html", c.Reports.HTML.Value, filepath.Join(dir, "out", "report.html"), c.Reports.HTML.Line, 30)
	check("reports.markdown", c.Reports.Markdown.Value, "", c.Reports.Markdown.Line, 31)
	check("expected_failures", c.ExpectedFailures.Value, filepath.Join(dir, "expected.yaml"), c.ExpectedFailures.Line, 32)

	if got, want := c.Secrets(), []string{"key-1234", "secret-5678", "gw-token-9999", "key-1234"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Secrets() = %q, want %q", got, want)
	}
	wantWarn := path + ":20: header Authorization has a literal value in the file; if it is a credential, write it as ${NAME} so that it stays out of the repository"
	if !reflect.DeepEqual(c.Warnings, []string{wantWarn}) {
		t.Errorf("Warnings = %q, want [%q]", c.Warnings, wantWarn)
	}
	if c.Where(12) != path+":12" {
		t.Errorf("Where(12) = %q", c.Where(12))
	}
}

func TestLoadEmptyAndMinimal(t *testing.T) {
	for _, src := range []string{"", "# only a comment\n", "---\n", "provider: shuftipro\n"} {
		c, err := Parse("conform.yaml", []byte(src), testEnv)
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		if c.Timeout.IsSet() || c.Timeout.Or(7*time.Second) != 7*time.Second || len(c.URLs) != 0 || c.APISecret.IsSet() {
			t.Errorf("%q: a key the file does not give is set: %+v", src, c)
		}
	}
	c, _ := Parse("conform.yaml", []byte("provider: shuftipro\n"), testEnv)
	if c.Provider.Or("veriff") != "shuftipro" {
		t.Errorf("Or ignores the file's value")
	}
}

// Plain and quoted references both work, and YAML anchors are followed.
func TestLoadYAMLForms(t *testing.T) {
	src := "provider: veriff\napi_secret: ${CONFORM_API_SECRET}\napi_key: '${CONFORM_API_KEY}'\n" +
		"target: &t http://localhost:8080\ntest_hook:\n  url: *t\n"
	c, err := Parse("conform.yaml", []byte(src), testEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c.APISecret.Value != "secret-5678" || c.APIKey.Value != "key-1234" || c.TestHook.URL.Value != "http://localhost:8080" {
		t.Errorf("got %+v", c)
	}
}

func TestLoadFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "missing.yaml"), testEnv); err == nil || err.Error() != filepath.Join(dir, "missing.yaml")+": no such file or directory" {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Load(dir, testEnv); err == nil || !strings.HasSuffix(err.Error(), "is a directory, not a configuration file") {
		t.Errorf("directory: %v", err)
	}
	big := filepath.Join(dir, "big.yaml")
	mustWrite(t, big, "# "+strings.Repeat("x", maxFileBytes)+"\n")
	if _, err := Load(big, testEnv); err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("big file: %v", err)
	}
	// Relative input paths are checked against the file's directory, and
	// the message says where it looked.
	sub := filepath.Join(dir, "ci")
	path := filepath.Join(sub, "conform.yaml")
	mustWrite(t, path, "provider: veriff\ntls:\n  ca_cert: ca.pem\n")
	_, err := Load(path, testEnv)
	want := path + `:3: tls.ca_cert: "ca.pem" (` + filepath.Join(sub, "ca.pem") + ", relative to the directory of " + path + "): no such file or directory"
	if err == nil || err.Error() != want {
		t.Errorf("missing ca_cert:\n got: %v\nwant: %s", err, want)
	}
	mustWrite(t, path, "expected_failures: "+sub+"\n")
	if _, err := Load(path, testEnv); err == nil || err.Error() != path+`:1: expected_failures: "`+sub+`" is a directory, not a file` {
		t.Errorf("directory as expected_failures: %v", err)
	}
}

func TestWarnings(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "ca.pem"), "x")
	path := filepath.Join(dir, "conform.yaml")
	mustWrite(t, path, "tls:\n  ca_cert: ca.pem\n  insecure: true\nheaders:\n  - \"X-Api-Key: literal\"\n  - \"X-Api-Key: ${GATEWAY_TOKEN}\"\n")
	c, err := Load(path, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		path + ":5: header X-Api-Key has a literal value in the file; if it is a credential, write it as ${NAME} so that it stays out of the repository",
		path + ":3: tls.insecure is true, so tls.ca_cert (line 2) is not used: certificates are not verified at all",
	}
	if !reflect.DeepEqual(c.Warnings, want) {
		t.Errorf("Warnings:\n got %q\nwant %q", c.Warnings, want)
	}
	if !reflect.DeepEqual(c.Secrets(), []string{"gw-token-9999"}) {
		t.Errorf("Secrets() = %q", c.Secrets())
	}
}

// runFlags builds a flag set shaped like conform run's.
func runFlags() *pflag.FlagSet {
	fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
	fs.String("provider", "", "")
	fs.String("profile", "", "")
	fs.String("target", "", "")
	fs.String("decision-url", "", "")
	fs.String("event-url", "", "")
	fs.String("callback-url", "", "")
	fs.String("api-key", "", "")
	fs.String("secret-file", "", "")
	fs.String("labels", "", "")
	fs.Bool("strict", false, "")
	fs.Duration("timeout", 10*time.Second, "")
	fs.Duration("budget", 5*time.Second, "")
	fs.Int64("seed", 0, "")
	fs.StringArrayP("header", "H", nil, "")
	fs.String("ca-cert", "", "")
	fs.Bool("insecure", false, "")
	fs.String("json", "", "")
	fs.String("junit", "", "")
	return fs // no --rate, --html, … yet: Apply must skip them
}

func TestApplyPrecedence(t *testing.T) {
	src := "provider: veriff\nprofile: veriff-hmac\ntarget: http://file:1\nevent_url: http://file:1/ev\n" +
		"api_key: ${CONFORM_API_KEY}\napi_secret: ${CONFORM_API_SECRET}\nlabels: signature\nstrict: true\n" +
		"timeout: 3s\nseed: 7\nrate: 2\nheaders:\n  X-A: a\n  X-B: b\ntls:\n  insecure: true\n" +
		"reports:\n  json: r.json\n  html: r.html\n"
	c, err := Parse("conform.yaml", []byte(src), testEnv)
	if err != nil {
		t.Fatal(err)
	}

	// No flag given: every key with a flag takes the file's value; flags the
	// file does not set keep their defaults.
	fs := runFlags()
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Apply(fs); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"provider": "veriff", "profile": "veriff-hmac", "target": "http://file:1", "event-url": "http://file:1/ev",
		"decision-url": "", "api-key": "key-1234", "secret-file": "", "labels": "signature", "strict": "true",
		"timeout": "3s", "budget": "5s", "seed": "7", "header": "[X-A: a,X-B: b]", "insecure": "true", "json": "r.json", "junit": "",
	}
	for name, v := range want {
		if got := fs.Lookup(name).Value.String(); got != v {
			t.Errorf("no flags: --%s = %q, want %q", name, got, v)
		}
	}
	if s, ok := c.Secret(fs); !ok || s != "secret-5678" {
		t.Errorf("Secret() = %v, want the file's", ok)
	}

	// Flags given win, whatever their value (even the default's value), and
	// one -H replaces the file's headers as a whole.
	fs = runFlags()
	if err := fs.Parse([]string{"--target", "http://flag:2", "--strict=false", "--timeout", "10s", "-H", "X-C: c", "--secret-file", "s.txt", "--seed", "0"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Apply(fs); err != nil {
		t.Fatal(err)
	}
	want["target"], want["strict"], want["timeout"], want["header"], want["secret-file"], want["seed"] = "http://flag:2", "false", "10s", "[X-C: c]", "s.txt", "0"
	for name, v := range want {
		if got := fs.Lookup(name).Value.String(); got != v {
			t.Errorf("flags given: --%s = %q, want %q", name, got, v)
		}
	}
	if _, ok := c.Secret(fs); ok {
		t.Errorf("Secret() uses the file although --secret-file was given")
	}
	if Flag("tls.ca_cert") != "ca-cert" || Flag("decision_url") != "decision-url" || Flag("test_hook.token") != "" || Flag("nope") != "" {
		t.Errorf("Flag() maps keys wrongly")
	}
}

func TestApplyProviderOverride(t *testing.T) {
	src := "provider: veriff\nprofile: veriff-hmac\ndecision_url: http://l/d\n"
	c, err := Parse("conform.yaml", []byte(src), testEnv)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--provider", "veriff"}, ""},
		{[]string{"--provider", "shuftipro"}, `conform.yaml:2: profile "veriff-hmac" does not belong to Shufti Pro (its profiles: shuftipro, shuftipro-legacy) (--provider shuftipro overrides conform.yaml:1)`},
		{[]string{"--provider", "shuftipro", "--profile", "shuftipro"}, `conform.yaml:3: decision_url: Shufti Pro has no decision endpoint (--provider shuftipro overrides conform.yaml:1); its endpoints: callback_url`},
		{[]string{"--provider", "shuftipro", "--profile", "shuftipro", "--decision-url", "http://x/d"}, ""},
		{[]string{"--provider", "onfido"}, ""}, // the command reports an unknown provider itself
	} {
		fs := runFlags()
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		err := c.Apply(fs)
		if (err == nil) != (tc.want == "") || err != nil && err.Error() != tc.want {
			t.Errorf("%v: Apply() = %v\nwant %q", tc.args, err, tc.want)
		}
	}

	// A file without a provider: the flag's provider is checked against the
	// file's provider-specific keys.
	c, err = Parse("conform.yaml", []byte("profile: shuftipro-legacy\n"), testEnv)
	if err != nil {
		t.Fatal(err)
	}
	fs := runFlags()
	_ = fs.Parse([]string{"--provider", "veriff"})
	if err := c.Apply(fs); err == nil || err.Error() != `conform.yaml:1: profile "shuftipro-legacy" does not belong to Veriff (its profiles: veriff-x-signature, veriff-hmac) (from --provider veriff)` {
		t.Errorf("Apply() = %v", err)
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	if p, err := Find(dir); p != "" || err != nil {
		t.Errorf("empty dir: %q, %v", p, err)
	}
	mustWrite(t, filepath.Join(dir, "conform.yml"), "")
	if _, err := Find(dir); err == nil || !strings.Contains(err.Error(), "conform.yml, but conform reads conform.yaml: rename it, or pass --config") {
		t.Errorf("conform.yml: %v", err)
	}
	mustWrite(t, filepath.Join(dir, "conform.yaml"), "")
	if p, err := Find(dir); p != filepath.Join(dir, "conform.yaml") || err != nil {
		t.Errorf("conform.yaml: %q, %v", p, err)
	}
	// Parents are never searched.
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if p, err := Find(sub); p != "" || err != nil {
		t.Errorf("subdirectory: %q, %v", p, err)
	}
}

func mustWrite(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// LoadFor: an unset variable in a key whose flag was given is not an error
// (the value is never used); in any other key it still is, and a wrong type
// in an overridden key is still an error.
func TestLoadForOverriddenKeys(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "conform.yaml")
	mustWrite(t, path, "provider: veriff\napi_key: ${NOPE_KEY}\napi_secret: ${NOPE_SECRET}\ntarget: ${NOPE_TARGET}\n"+
		"headers:\n  X-Gateway-Token: ${NOPE_TOKEN}\ntimeout: 3s\n")
	fs := runFlags()
	if err := fs.Parse([]string{"--api-key", "k", "--secret-file", "s", "--target", "http://flag", "-H", "X-A: a"}); err != nil {
		t.Fatal(err)
	}
	c, err := LoadFor(path, testEnv, fs)
	if err != nil {
		t.Fatalf("LoadFor: %v", err)
	}
	if c.APIKey.IsSet() || c.APISecret.IsSet() || c.Target.IsSet() || c.Headers.IsSet() || c.Timeout.Value != 3*time.Second {
		t.Errorf("overridden keys set, or others not: %+v", c)
	}
	if err := c.Apply(fs); err != nil {
		t.Fatal(err)
	}
	if fs.Lookup("target").Value.String() != "http://flag" || fs.Lookup("timeout").Value.String() != "3s" {
		t.Errorf("Apply after LoadFor: target %s, timeout %s", fs.Lookup("target").Value, fs.Lookup("timeout").Value)
	}

	// Without the flags, the same file is an error naming the first unset variable.
	if _, err := LoadFor(path, testEnv, runFlags()); err == nil || err.Error() != path+":2: api_key: environment variable NOPE_KEY is not set (or is empty)" {
		t.Errorf("LoadFor without flags: %v", err)
	}
	if _, err := Load(path, testEnv); err == nil || !strings.Contains(err.Error(), ":2: api_key:") {
		t.Errorf("Load: %v", err)
	}
	// A wrong type is an error even when the flag is given.
	mustWrite(t, path, "timeout: 10\n")
	fs = runFlags()
	_ = fs.Parse([]string{"--timeout", "5s"})
	if _, err := LoadFor(path, testEnv, fs); err == nil || !strings.Contains(err.Error(), ":1: timeout must be a duration") {
		t.Errorf("wrong type under a given flag: %v", err)
	}
}

func TestPrintingAConfigShowsNoSecret(t *testing.T) {
	c, err := Parse("conform.yaml", []byte("api_key: ${CONFORM_API_KEY}\napi_secret: ${CONFORM_API_SECRET}\nheaders:\n  X-T: ${GATEWAY_TOKEN}\ntimeout: 2s\n"), testEnv)
	if err != nil {
		t.Fatal(err)
	}
	for _, form := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{c, *c} {
			out := fmt.Sprintf(form, v)
			for _, secret := range []string{"key-1234", "secret-5678", "gw-token-9999"} {
				if strings.Contains(out, secret) {
					t.Errorf("%s shows a secret: %s", form, out)
				}
			}
		}
	}
	if want := "config conform.yaml {api_key@1 api_secret@2 headers@3 timeout@5} (values not shown)"; c.String() != want {
		t.Errorf("String() = %q, want %q", c.String(), want)
	}
}
