package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/net/http/httpguts"

	conform "github.com/conform-kit/conform"
	"github.com/conform-kit/conform/config"
	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/lifecycle"
)

func init() { register(newRunCmd) }

// cmdContext is the context of a command's own requests (probes). Checks get
// theirs from Ginkgo, one per spec.
func cmdContext() context.Context { return context.Background() }

type runFlags struct {
	suite    suiteFlags
	secret   secretFlags
	provider string
	profile  string
	target   string
	urls     map[string]*string
	apiKey   string
	headers  []string
	caCert   string
	insecure bool
	rate     float64

	configPath string
	cfgSecret  string // api_secret from the config file (a ${ENV} reference, resolved)

	testHook string // the integrator's test hook (lifecycle checks)
	mockURL  string // the conform mock the integrator's client talks to
}

// loadConfig reads conform.yaml (from --config, or ./conform.yaml when it
// exists) and gives its values to every flag not given on the command line.
func (f *runFlags) loadConfig(s *streams, fs *pflag.FlagSet) error {
	path := f.configPath
	if path == "" {
		found, err := config.Find(".")
		if err != nil {
			return usageError("%v", err)
		}
		if found == "" {
			return nil
		}
		path = found
		fmt.Fprintf(s.out, "conform: using %s (pass --config to choose another file)\n", path)
	}
	cfg, err := config.LoadFor(path, s.getenv, fs)
	if err != nil {
		return usageError("%v", err)
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(s.err, "conform: warning: %s\n", w)
	}
	if err := cfg.Apply(fs); err != nil {
		return usageError("%v", err)
	}
	if secret, ok := cfg.Secret(fs); ok {
		f.cfgSecret = secret
	}
	return nil
}

func newRunCmd(s *streams) *cobra.Command {
	f := &runFlags{urls: map[string]*string{}}
	cmd := &cobra.Command{
		Use:   "run --provider veriff|shuftipro --target URL",
		Short: "Run the conformance checks against your webhook listener",
		Long: `Run plays the provider against your webhook listener: it sends correctly and
incorrectly signed deliveries of every decision and event type and judges the
answers. Every failure names the check, quotes the provider rule, shows what was
expected and what came back, and prints a curl command that repeats the request.

The API key and secret come from CONFORM_API_KEY and CONFORM_API_SECRET
(or --api-key / --secret-file); they are never printed.

Exit codes: 0 conformant, 1 not conformant, 2 usage or configuration error,
3 target unreachable at start.`,
		Example: `  export CONFORM_API_KEY=… CONFORM_API_SECRET=…
  conform run --provider veriff --target http://localhost:8080
  conform run --provider veriff --decision-url https://staging.example.com/hooks/veriff \
      --event-url https://staging.example.com/hooks/veriff-events --labels 'signature || auth'
  conform run --provider shuftipro --profile shuftipro-legacy --callback-url http://localhost:8080/kyc/callback --json report.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.loadConfig(s, cmd.Flags()); err != nil {
				return err
			}
			return f.run(s)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.configPath, "config", "", "read settings from this conform.yaml `FILE` (default: ./conform.yaml when it exists); flags given on the command line win")
	fl.StringVar(&f.provider, "provider", "", "provider to impersonate: veriff or shuftipro (required)")
	fl.StringVar(&f.profile, "profile", "", "signing profile (veriff: veriff-x-signature [default], veriff-hmac; shuftipro: shuftipro [default], shuftipro-legacy)")
	fl.StringVar(&f.target, "target", "", "listener base `URL`; endpoints default to URL/veriff/decision, URL/veriff/events, URL/shuftipro/callback")
	for _, p := range harness.Providers() {
		for _, ep := range p.Endpoints {
			v := new(string)
			f.urls[ep.Name] = v
			fl.StringVar(v, ep.Flag, "", "full `URL` of the "+p.Title+" "+ep.Name+" endpoint (overrides --target)")
		}
	}
	fl.StringVar(&f.apiKey, "api-key", "", "API key the provider sends (prefer CONFORM_API_KEY)")
	fl.StringVar(&f.testHook, "test-hook-url", "", "your app's test hook (docs/lifecycle.md): with --mock-url, adds the end-to-end lifecycle checks (label lifecycle); token from CONFORM_TEST_HOOK_TOKEN")
	fl.StringVar(&f.mockURL, "mock-url", "", "base `URL` of the running conform mock your app's Veriff client talks to (lifecycle checks)")
	fl.StringArrayVarP(&f.headers, "header", "H", nil, "extra `'Name: value'` header on every request (e.g. a staging gateway's auth); repeatable")
	fl.StringVar(&f.caCert, "ca-cert", "", "trust this PEM CA `FILE` for https targets")
	fl.BoolVar(&f.insecure, "insecure", false, "skip TLS certificate verification (throwaway staging certificates only)")
	fl.Float64Var(&f.rate, "rate", -1, "max requests per second (`N`); default: unlimited for loopback targets, "+fmt.Sprint(stagingRate)+" for any other host; 0: unlimited")
	f.secret.register(cmd)
	f.suite.register(cmd)
	return cmd
}

func (f *runFlags) run(s *streams) error {
	if f.provider == "" {
		return usageError("--provider is required (veriff or shuftipro)")
	}
	if err := f.suite.validate(); err != nil {
		return err
	}
	secret := f.cfgSecret
	if secret == "" {
		var err error
		if secret, err = f.secret.secret(s); err != nil {
			return err
		}
	}
	apiKey := f.apiKey
	if apiKey == "" {
		apiKey = s.getenv(envAPIKey)
	}
	extra, err := parseHeaders(f.headers)
	if err != nil {
		return err
	}
	urls := map[string]string{}
	for name, v := range f.urls {
		if *v != "" {
			urls[name] = *v
		}
	}
	copts := f.suite.clientOptions()
	copts.Header, copts.CACertFile, copts.Insecure = extra, f.caCert, f.insecure
	remote := remoteHosts(f.target, urls)
	switch {
	case f.rate < 0 && len(remote) > 0:
		copts.Rate = stagingRate
	case f.rate > 0:
		copts.Rate = f.rate
	}
	if len(remote) > 0 {
		limit := "no rate limit (--rate 0)"
		if copts.Rate > 0 {
			limit = fmt.Sprintf("at most %g requests/s (--rate to change)", copts.Rate)
		}
		fmt.Fprintf(s.out, "conform: sending to %s, which is not this machine: %s\n", strings.Join(remote, ", "), limit)
	}
	ext, closeExt, err := f.lifecycleEnv(s)
	if err != nil {
		return err
	}
	defer closeExt()
	sess, err := harness.NewSession(harness.Config{
		Provider: f.provider, Profile: f.profile, Target: f.target, URLs: urls,
		APIKey: apiKey, Secret: secret, Budget: f.suite.budget, Grace: f.suite.grace, Client: copts,
		Seed: f.suite.seed, Assets: conform.Files, Ext: ext,
	})
	if err != nil {
		return usageError("%v", err)
	}
	defer sess.Client.Close()
	return executeSuites(s, &f.suite, []*harness.Session{sess})
}

// lifecycleEnv builds the lifecycle checks' environment when --test-hook-url
// and --mock-url are given (both or neither), and probes both doors: an
// unreachable hook or mock is a setup problem (exit 3), not 12 failed checks.
func (f *runFlags) lifecycleEnv(s *streams) (map[string]any, func(), error) {
	none := func() {}
	if f.testHook == "" && f.mockURL == "" {
		return nil, none, nil
	}
	if f.testHook == "" || f.mockURL == "" {
		return nil, none, usageError("--test-hook-url and --mock-url go together: the lifecycle checks drive your app through its hook and the provider through the mock")
	}
	if f.provider != "veriff" {
		return nil, none, usageError("the lifecycle checks exist for Veriff only (the Shufti Pro document describes no session lifecycle to test)")
	}
	env, err := lifecycle.New(lifecycle.Config{
		HookURL: f.testHook, HookToken: s.getenv("CONFORM_TEST_HOOK_TOKEN"), MockURL: f.mockURL, Timeout: f.suite.timeout,
	})
	if err != nil {
		return nil, none, usageError("%v", err)
	}
	if err := env.Probe(cmdContext()); err != nil {
		env.Close()
		return nil, none, unreachableError("%v", err)
	}
	return map[string]any{lifecycle.Capability: env}, env.Close, nil
}

// stagingRate is the default request rate towards a host that is not this
// machine: a full run still takes well under a minute, and a staging
// environment's rate limiter or WAF sees a trickle, not a burst.
const stagingRate = 5

// remoteHosts lists the non-loopback hosts a run would send to.
func remoteHosts(target string, urls map[string]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, u := range append([]string{target}, mapValues(urls)...) {
		if u == "" || harness.IsLoopback(u) {
			continue
		}
		if pu, err := url.Parse(u); err == nil && pu.Host != "" && !seen[pu.Host] {
			seen[pu.Host] = true
			out = append(out, pu.Host)
		}
	}
	sort.Strings(out)
	return out
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// parseHeaders reads -H 'Name: value' flags. Provider headers are refused:
// the checks set those on purpose, and a fixed value would falsify them.
func parseHeaders(raw []string) (http.Header, error) {
	h := http.Header{}
	reserved := map[string]bool{"Content-Type": true, "Content-Length": true, "Host": true}
	for _, p := range harness.Providers() {
		if p.APIKeyHeader != "" {
			reserved[http.CanonicalHeaderKey(p.APIKeyHeader)] = true
		}
		for _, sp := range p.Profiles() {
			reserved[http.CanonicalHeaderKey(sp.Header)] = true
		}
	}
	for _, r := range raw {
		name, value, ok := strings.Cut(r, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, usageError("-H %q: want 'Name: value'", r)
		}
		value = strings.TrimSpace(value)
		if !httpguts.ValidHeaderFieldName(name) {
			return nil, usageError("-H %q: %q is not a valid header name", r, name)
		}
		if !httpguts.ValidHeaderFieldValue(value) {
			return nil, usageError("-H %s: the value contains a line break or control character", name)
		}
		if reserved[http.CanonicalHeaderKey(name)] {
			return nil, usageError("-H %s: conform sets this header itself (checks vary it on purpose)", name)
		}
		h.Add(name, value)
	}
	return h, nil
}
