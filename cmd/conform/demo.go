package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	conform "github.com/conform-kit/conform"
	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/lifecycle"
	"github.com/conform-kit/conform/lifecycle/integrator"
	"github.com/conform-kit/conform/listener"
	"github.com/conform-kit/conform/signing"
)

func init() { register(newDemoCmd) }

type demoFlags struct {
	suite    suiteFlags
	provider string
	profile  string
	defect   string
	app      string // integrator app defect
	list     bool
}

func newDemoCmd(s *streams) *cobra.Command {
	f := &demoFlags{}
	cmd := &cobra.Command{
		Use:   "demo [--provider veriff|shuftipro|all] [--defect NAME]",
		Short: "Run every suite against conform's embedded reference listener (or a defective one)",
		Long: `Demo starts conform's own reference webhook listener on 127.0.0.1 — one per
provider, each doing exactly what the provider documents require — and runs the
conformance suites against it, exactly as 'conform run' runs them against yours.
Nothing of your own is needed. The API key and secret are generated for the run.

With --defect NAME the listener carries one real-world bug instead, so you can see
what conform reports when a listener is wrong. --list-defects names them all.`,
		Example: `  conform demo
  conform demo --provider veriff --profile veriff-hmac -v
  conform demo --defect reserialized-body
  conform demo --list-defects`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(s) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.provider, "provider", "all", "veriff, shuftipro or all")
	fl.StringVar(&f.profile, "profile", "", "signing profile (implies its provider); default: each provider's default")
	fl.StringVar(&f.defect, "defect", "", "run against a listener with this one defect (see --list-defects)")
	fl.StringVar(&f.app, "integrator-defect", "", "Veriff: run against an integrator app with this one defect in its session handling (lifecycle checks; see --list-defects)")
	fl.BoolVar(&f.list, "list-defects", false, "list the built-in defective listeners and integrator apps, and exit")
	f.suite.register(cmd)
	return cmd
}

func (f *demoFlags) run(s *streams) error {
	if f.list {
		tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LISTENER DEFECT (--defect)\tCAUGHT BY LABEL\tPROVIDERS\tWHAT IS WRONG")
		for _, d := range listener.Defects() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Name, d.Label, strings.Join(d.Providers, ","), d.Description)
		}
		fmt.Fprintln(tw, "\nINTEGRATOR DEFECT (--integrator-defect)\tCAUGHT BY\tPROVIDERS\tWHAT IS WRONG")
		for _, d := range integrator.Defects() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Name, strings.Join(d.CaughtBy, ","), "veriff", d.Description)
		}
		return tw.Flush()
	}
	if f.app != "" && f.defect != "" {
		return usageError("--defect (a listener) and --integrator-defect (an app) are separate demos; give one")
	}
	if f.app != "" && !integratorDefectExists(f.app) {
		return usageError("--integrator-defect %q is not a built-in defect (see conform demo --list-defects)", f.app)
	}
	if err := f.suite.validate(); err != nil {
		return err
	}
	providers, err := f.providers()
	if err != nil {
		return err
	}
	var sessions []*harness.Session
	for _, p := range providers {
		prof, err := p.Profile(f.profileFor(p))
		if err != nil {
			return usageError("--profile: %v", err)
		}
		key, secret := demoSecret("key"), demoSecret("secret")
		var urls map[string]string
		var ext map[string]any
		if p.Name == "veriff" && f.defect == "" {
			// The whole integration: the app's listener, its Veriff client
			// talking to an in-process conform mock, and its test hook, so
			// the lifecycle checks run too.
			token := demoSecret("hook")
			st, err := integrator.StartStack(integrator.StackConfig{Profile: prof, APIKey: key, Secret: secret, Defect: f.app, HookToken: token})
			if err != nil {
				return usageError("--integrator-defect: %v", err)
			}
			defer st.Close()
			env, err := lifecycle.New(lifecycle.Config{HookURL: st.HookURL, HookToken: token, MockURL: st.MockURL, Timeout: f.suite.timeout})
			if err != nil {
				return err
			}
			defer env.Close()
			what := "the reference integrator app"
			if f.app != "" {
				what = "an integrator app with one defect (" + f.app + ")"
			}
			fmt.Fprintf(s.out, "conform demo: started %s at %s (webhook listener, Veriff client and test hook) and a conform mock at %s\n", what, st.AppURL, st.MockURL)
			urls = map[string]string{"decision": st.DecisionURL, "event": st.EventURL}
			ext = map[string]any{lifecycle.Capability: env}
		} else {
			srv, err := listener.Start(listener.Config{Profile: prof, APIKey: key, Secret: secret, Defect: f.defect})
			if err != nil {
				return usageError("--defect: %v", err)
			}
			defer srv.Close()
			what := "reference"
			if f.defect != "" {
				what = "defective (" + f.defect + ")"
			}
			fmt.Fprintf(s.out, "conform demo: started the %s %s listener at %s\n", what, p.Title, srv.URL)
			urls = map[string]string{"decision": srv.DecisionURL, "event": srv.EventURL, "callback": srv.CallbackURL}
		}
		for name := range urls {
			if _, ok := p.Kinds[name]; !ok {
				delete(urls, name)
			}
		}
		sess, err := harness.NewSession(harness.Config{
			Provider: p.Name, Profile: prof.Name, URLs: urls, APIKey: key, Secret: secret,
			Budget: f.suite.budget, Grace: f.suite.grace, Client: f.suite.clientOptions(), Seed: f.suite.seed, Assets: conform.Files,
			Ext: ext,
		})
		if err != nil {
			return err
		}
		defer sess.Client.Close()
		sessions = append(sessions, sess)
	}
	return executeSuites(s, &f.suite, sessions)
}

// providers resolves --provider, --profile and --defect to the providers to run.
func (f *demoFlags) providers() ([]*harness.Provider, error) {
	var out []*harness.Provider
	for _, p := range harness.Providers() {
		if f.provider != "all" && f.provider != p.Name {
			continue
		}
		if f.profile != "" {
			if _, err := p.Profile(f.profile); err != nil {
				continue
			}
		}
		if f.defect != "" && !defectApplies(f.defect, p.Name) {
			continue
		}
		if f.app != "" && p.Name != "veriff" {
			continue // integrator defects concern Veriff's session lifecycle
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		if _, err := harness.LookupProvider(f.provider); err != nil && f.provider != "all" {
			return nil, usageError("--provider: %v", err)
		}
		if f.profile != "" {
			if _, err := signing.Lookup(f.profile); err != nil {
				return nil, usageError("--profile: %v", err)
			}
		}
		if f.defect != "" && !defectExists(f.defect) {
			return nil, usageError("--defect %q is not a built-in defect (see conform demo --list-defects)", f.defect)
		}
		return nil, usageError("--provider %s, --profile %q and --defect %q select no listener", f.provider, f.profile, f.defect)
	}
	return out, nil
}

func (f *demoFlags) profileFor(p *harness.Provider) string {
	if _, err := p.Profile(f.profile); err == nil {
		return f.profile
	}
	return ""
}

func integratorDefectExists(name string) bool {
	for _, d := range integrator.Defects() {
		if d.Name == name {
			return true
		}
	}
	return false
}

func defectExists(name string) bool {
	for _, d := range listener.Defects() {
		if d.Name == name {
			return true
		}
	}
	return false
}

func defectApplies(name, provider string) bool {
	for _, d := range listener.DefectsFor(provider) {
		if d.Name == name {
			return true
		}
	}
	return false
}

// demoSecret makes a fresh test-only credential: the demo listener and the
// harness share it in memory, and it is never printed.
func demoSecret(what string) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return "demo-" + what + "-" + hex.EncodeToString(b[:])
}
