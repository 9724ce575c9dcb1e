package suites_test

// The proof of the lifecycle checks: each passes against the reference
// integrator app and fails against the app variant with exactly the defect
// it exists to catch — and each defect fails exactly the checks it lists,
// so the verdict points at the right problem. The stack (app + conform mock)
// runs on 127.0.0.1; a week passes on the mock's virtual clock.

import (
	"context"
	"net"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	conform "github.com/conform-kit/conform"
	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/lifecycle"
	"github.com/conform-kit/conform/lifecycle/integrator"
	"github.com/conform-kit/conform/signing"
	"github.com/conform-kit/conform/suites"
)

func lifecycleInstances() []harness.Instance {
	var out []harness.Instance
	for _, in := range suites.Registry().Instances("veriff") {
		if in.Check.Needs == lifecycle.Capability {
			out = append(out, in)
		}
	}
	return out
}

// lifecycleSession builds a Veriff session whose listener is the app's and
// whose lifecycle environment is the stack's hook and mock.
func lifecycleSession(t *testing.T, prof signing.Profile, cfg lifecycle.Config, decisionURL, eventURL string) *harness.Session {
	t.Helper()
	env, err := lifecycle.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	sess, err := harness.NewSession(harness.Config{
		Provider: "veriff", Profile: prof.Name, URLs: map[string]string{"decision": decisionURL, "event": eventURL},
		APIKey: testKey, Secret: testSecret, Budget: normal.budget, Grace: proofGrace,
		Client: harness.ClientOptions{Timeout: normal.timeout}, Seed: 11, Assets: conform.Files,
		Ext: map[string]any{lifecycle.Capability: env},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sess.Client.Close)
	return sess
}

// runLifecycle runs every lifecycle check against the app with defect.
func runLifecycle(t *testing.T, prof signing.Profile, defect string) []harness.Outcome {
	t.Helper()
	st, err := integrator.StartStack(integrator.StackConfig{Profile: prof, APIKey: testKey, Secret: testSecret, Defect: defect, HookToken: "hook-token-for-the-proof"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sess := lifecycleSession(t, prof, lifecycle.Config{HookURL: st.HookURL, HookToken: "hook-token-for-the-proof", MockURL: st.MockURL}, st.DecisionURL, st.EventURL)
	r := harness.NewRunner(sess, true)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, in := range lifecycleInstances() {
		r.Execute(ctx, in)
	}
	return r.Outcomes()
}

func dumpOutcomes(outs []harness.Outcome) string {
	var b strings.Builder
	for _, o := range outs {
		b.WriteString(string(o.Status) + " " + o.ID + "\n")
		if o.Status != harness.Passed {
			b.WriteString(o.Message + "\n")
		}
	}
	return b.String()
}

func TestLifecycleReferenceAppPassesEveryCheck(t *testing.T) {
	if len(lifecycleInstances()) < 12 {
		t.Fatalf("expected the 12 lifecycle checks, got %d", len(lifecycleInstances()))
	}
	for _, prof := range signing.ForProvider("veriff") {
		t.Run(prof.Name, func(t *testing.T) {
			t.Parallel()
			outs := runLifecycle(t, prof, "")
			if len(outs) != len(lifecycleInstances()) {
				t.Fatalf("%d outcomes for %d checks", len(outs), len(lifecycleInstances()))
			}
			for _, o := range outs {
				if o.Status != harness.Passed {
					t.Errorf("the reference app must pass everything:\n%s", dumpOutcomes(outs))
					break
				}
			}
		})
	}
}

func TestLifecycleEachDefectFailsExactlyItsChecks(t *testing.T) {
	var mu sync.Mutex
	caught := map[string]bool{}
	t.Run("defects", func(t *testing.T) {
		for _, d := range integrator.Defects() {
			t.Run(d.Name, func(t *testing.T) {
				t.Parallel()
				outs := runLifecycle(t, signing.VeriffXSignature, d.Name)
				var failed []string
				for _, o := range outs {
					switch o.Status {
					case harness.Failed:
						failed = append(failed, o.ID)
						for _, part := range []string{"rule:", "expected:", "actual:", "fix:"} {
							if !strings.Contains(o.Message, part) {
								t.Errorf("%s: message lacks %q:\n%s", o.ID, part, o.Message)
							}
						}
						if strings.Contains(o.Message, testSecret) || strings.Contains(o.Message, testKey) || strings.Contains(o.Message, "hook-token-for-the-proof") {
							t.Errorf("%s: a credential leaked into the message:\n%s", o.ID, o.Message)
						}
					case harness.Passed:
					default:
						t.Errorf("%s is %s (blocked by %q): a defective app's verdicts are pass or fail", o.ID, o.Status, o.BlockedBy)
					}
				}
				want := append([]string(nil), d.CaughtBy...)
				sort.Strings(want)
				sort.Strings(failed)
				if !slices.Equal(failed, want) {
					t.Errorf("failed %v, want exactly %v:\n%s", failed, want, dumpOutcomes(outs))
				}
				mu.Lock()
				for _, id := range failed {
					caught[id] = true
				}
				mu.Unlock()
			})
		}
	})
	for _, in := range lifecycleInstances() {
		if !caught[in.ID] {
			t.Errorf("%s failed against no defective app: not proven to catch anything", in.ID)
		}
	}
}

// The client defect that breaks the first step shows the mock's finding,
// with the document's words, in the session-created verdict; every other
// check names that check.
func TestLifecycleClientDefectShowsTheMockReport(t *testing.T) {
	outs := runLifecycle(t, signing.VeriffHMAC, integrator.HTTPCallback)
	for _, o := range outs {
		if o.ID == "veriff/lifecycle/session-created" {
			for _, want := range []string{"1302", "Only HTTPS return URLs are allowed", "conform mock"} {
				if !strings.Contains(o.Message, want) {
					t.Errorf("session-created lacks %q:\n%s", want, o.Message)
				}
			}
		} else if o.Status == harness.Failed && !strings.Contains(o.Message, "veriff/lifecycle/session-created") {
			t.Errorf("%s does not point at session-created:\n%s", o.ID, o.Message)
		}
	}
}

// Unreachable doors never pass: no hook, or no mock, fails every check.
func TestLifecycleNeverPassesWithoutHookOrMock(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	st, err := integrator.StartStack(integrator.StackConfig{Profile: signing.VeriffXSignature, APIKey: testKey, Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for name, cfg := range map[string]lifecycle.Config{
		"no hook": {HookURL: closed + "/hook", MockURL: st.MockURL, Timeout: time.Second},
		"no mock": {HookURL: st.HookURL, MockURL: closed, Timeout: time.Second},
		// The hook answers, but for another app: wrong paths.
		"wrong hook path": {HookURL: st.AppURL + "/nothing-here", MockURL: st.MockURL, Timeout: time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			sess := lifecycleSession(t, signing.VeriffXSignature, cfg, st.DecisionURL, st.EventURL)
			r := harness.NewRunner(sess, true)
			for _, in := range lifecycleInstances() {
				if o := r.Execute(context.Background(), in); o.Status == harness.Passed {
					t.Errorf("%s passed with %s:\n%s", in.ID, name, dumpOutcomes(r.Outcomes()))
				}
			}
		})
	}
}

func TestLifecycleChecksNeedTheCapability(t *testing.T) {
	for _, in := range lifecycleInstances() {
		if in.Check.Area != "lifecycle" || !slices.Contains(in.Labels, "lifecycle") || in.Check.Severity != harness.MUST {
			t.Errorf("%s: area %q, labels %v, severity %s", in.ID, in.Check.Area, in.Labels, in.Check.Severity)
		}
	}
	sess, err := harness.NewSession(harness.Config{
		Provider: "veriff", Target: "http://127.0.0.1:9", APIKey: testKey, Secret: testSecret, Budget: time.Second,
		Client: harness.ClientOptions{Timeout: time.Second}, Assets: conform.Files,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Client.Close()
	if sess.Provides(lifecycle.Capability) {
		t.Fatal("a listener-only session must not provide the lifecycle capability")
	}
}
