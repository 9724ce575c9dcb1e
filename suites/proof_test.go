package suites_test

// The proof that every verdict is right: each check passes against the
// reference listener and fails against a listener with exactly the defect
// it exists to catch — and a defect fails no check outside its own label, so
// the verdict points at the right problem.

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	conform "github.com/conform-kit/conform"
	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/listener"
	"github.com/conform-kit/conform/signing"
	"github.com/conform-kit/conform/suites"
)

func TestSuites(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "conform suites: every check proven both ways")
}

const (
	testKey    = "proof-api-key-7c1e9a"
	testSecret = "proof-secret-4b8d2f-test-only"
)

// timing of a normal run: generous, so a loaded CI machine never turns a
// correct listener into a failure.
var normal = timing{timeout: 5 * time.Second, budget: 2 * time.Second}

type timing struct {
	timeout, budget, slowDelay time.Duration
}

// result is the outcome of running every check of one provider once.
type result struct {
	name     string
	outcomes []harness.Outcome
	byID     map[string]harness.Outcome
}

func (r result) with(status harness.Status) []harness.Outcome {
	var out []harness.Outcome
	for _, o := range r.outcomes {
		if o.Status == status {
			out = append(out, o)
		}
	}
	return out
}

func (r result) dump() string {
	var b strings.Builder
	for _, o := range r.outcomes {
		if o.Status != harness.Passed {
			fmt.Fprintf(&b, "%s %s (blocked by %q)\n%s\n", o.Status, o.ID, o.BlockedBy, o.Message)
		}
	}
	return b.String()
}

// run executes every check of the listener's provider against it, strictly
// (SHOULD checks fail too), without Ginkgo's runner: the proof runs dozens of
// listeners, and RunSpecs may run once per process.
func run(name string, cfg listener.Config, tm timing, urls func(*listener.Server) map[string]string) result {
	GinkgoHelper()
	cfg.APIKey, cfg.Secret = testKey, testSecret
	if tm.slowDelay > 0 {
		cfg.SlowDelay = tm.slowDelay
	}
	cfg.LateDelay = 3 * proofGrace
	srv, err := listener.Start(cfg)
	Expect(err).NotTo(HaveOccurred())
	defer srv.Close()
	u := map[string]string{"decision": srv.DecisionURL, "event": srv.EventURL, "callback": srv.CallbackURL}
	if urls != nil {
		u = urls(srv)
	}
	return runAt(name, cfg.Profile, u, tm)
}

func runAt(name string, prof signing.Profile, urls map[string]string, tm timing) result {
	GinkgoHelper()
	p, err := harness.LookupProvider(prof.Provider)
	Expect(err).NotTo(HaveOccurred())
	for k := range urls {
		if _, ok := p.Kinds[k]; !ok {
			delete(urls, k)
		}
	}
	sess, err := harness.NewSession(harness.Config{
		Provider: prof.Provider, Profile: prof.Name, URLs: urls, APIKey: testKey, Secret: testSecret,
		Budget: tm.budget, Grace: proofGrace, Client: harness.ClientOptions{Timeout: tm.timeout}, Seed: 42, Assets: conform.Files,
	})
	Expect(err).NotTo(HaveOccurred())
	defer sess.Client.Close()
	r := harness.NewRunner(sess, true)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, in := range suites.Registry().Instances(prof.Provider) {
		if sess.Provides(in.Check.Needs) {
			r.Execute(ctx, in)
		}
	}
	res := result{name: name, outcomes: r.Outcomes(), byID: map[string]harness.Outcome{}}
	for _, o := range res.outcomes {
		res.byID[o.ID] = o
	}
	record(res)
	return res
}

// proofGrace keeps a hundred runs fast; the defects that die late are
// configured to die within a few graces.
const proofGrace = 5 * time.Millisecond

// runFiltered runs only the checks of one area, as --labels would.
func runFiltered(name string, cfg listener.Config, area string) result {
	GinkgoHelper()
	cfg.APIKey, cfg.Secret = testKey, testSecret
	srv, err := listener.Start(cfg)
	Expect(err).NotTo(HaveOccurred())
	defer srv.Close()
	sess, err := harness.NewSession(harness.Config{
		Provider: cfg.Profile.Provider, Profile: cfg.Profile.Name, Target: srv.URL, APIKey: testKey, Secret: testSecret,
		Budget: normal.budget, Grace: proofGrace, Client: harness.ClientOptions{Timeout: normal.timeout}, Seed: 7, Assets: conform.Files,
	})
	Expect(err).NotTo(HaveOccurred())
	defer sess.Client.Close()
	r := harness.NewRunner(sess, true)
	for _, in := range suites.Registry().Instances(cfg.Profile.Provider) {
		if in.Check.Area == area && sess.Provides(in.Check.Needs) {
			r.Execute(context.Background(), in)
		}
	}
	return result{name: name, outcomes: r.Outcomes()}
}

// seen records every outcome of every run, for the coverage spec at the end.
var (
	seenMu sync.Mutex
	seen   = map[string][]harness.Outcome{}
)

func record(r result) {
	seenMu.Lock()
	defer seenMu.Unlock()
	for _, o := range r.outcomes {
		seen[o.ID] = append(seen[o.ID], o)
	}
}

func hasLabel(o harness.Outcome, labels ...string) bool {
	for _, l := range labels {
		if slices.Contains(o.Labels, l) {
			return true
		}
	}
	return false
}

// extraLabels are labels a defect fails besides its own, because the defect
// is several defects at once. accept-everything checks nothing: no API key,
// no JSON, no method or content type.
var extraLabels = map[string][]string{
	listener.AcceptEverything: {"auth", "invalid-json", "transport"},
	// The event URL checks neither the key nor the signature.
	listener.EventsUnverified: {"auth"},
	// It dies once idle after an invalid-JSON answer: the final liveness
	// check sees it dead, or, on a slow machine, a later invalid-JSON check.
	listener.DiesAfterInvalidJSON: {"invalid-json", "transport"},
}

// expectPointsAt asserts the defect's verdict: at least one failure under
// label, every failure under label (or an allowed extra), and every blocked
// check blocked by one of those failures.
func expectPointsAt(r result, label string, extra ...string) {
	GinkgoHelper()
	allowed := append([]string{label}, extra...)
	failed := r.with(harness.Failed)
	Expect(slices.ContainsFunc(failed, func(o harness.Outcome) bool { return hasLabel(o, label) })).To(BeTrue(),
		"%s: no check labelled %q failed; outcomes:\n%s", r.name, label, r.dump())
	for _, o := range failed {
		Expect(hasLabel(o, allowed...)).To(BeTrue(),
			"%s: %s failed but is not labelled %v, so the verdict points at the wrong problem:\n%s", r.name, o.ID, allowed, o.Message)
		for _, part := range []string{"rule:", "expected:", "actual:", "fix:"} {
			Expect(o.Message).To(ContainSubstring(part), "%s: %s's message lacks %q:\n%s", r.name, o.ID, part, o.Message)
		}
	}
	for _, o := range r.with(harness.Blocked) {
		root, ok := r.byID[o.BlockedBy]
		Expect(ok).To(BeTrue(), "%s: %s blocked by %q, which did not run", r.name, o.ID, o.BlockedBy)
		Expect(root.Status).To(Equal(harness.Failed), "%s: %s blocked by %s, which did not fail", r.name, o.ID, o.BlockedBy)
		Expect(hasLabel(root, allowed...)).To(BeTrue(), "%s: %s blocked by %s, outside %v", r.name, o.ID, o.BlockedBy, allowed)
	}
	Expect(r.with(harness.Warned)).To(BeEmpty(), "strict runs never warn")
}

// Ordered: the coverage spec at the end reads what the others recorded.
// ContinueOnFailure: one wrong verdict must not hide the others.
var _ = Describe("conformance verdicts", Ordered, ContinueOnFailure, func() {
	for _, prof := range signing.Profiles() {
		It("passes every check against the reference listener, profile "+prof.Name, func() {
			r := run("reference "+prof.Name, listener.Config{Profile: prof}, normal, nil)
			Expect(r.outcomes).NotTo(BeEmpty())
			Expect(r.with(harness.Passed)).To(HaveLen(len(r.outcomes)), "the reference listener must pass everything:\n%s", r.dump())
		})
	}

	for _, d := range listener.Defects() {
		for _, prof := range signing.Profiles() {
			if !slices.Contains(d.Providers, prof.Provider) {
				continue
			}
			tm := normal
			if d.Name == listener.Slow {
				if prof.Name != signing.VeriffXSignature.Name && prof.Name != signing.ShuftiPro.Name {
					continue // slowness does not depend on the profile; one per provider keeps the run short
				}
				tm = timing{timeout: 5 * time.Second, budget: 25 * time.Millisecond, slowDelay: 60 * time.Millisecond}
			}
			It(fmt.Sprintf("catches %s under %q, profile %s", d.Name, d.Label, prof.Name), func() {
				r := run(d.Name+"/"+prof.Name, listener.Config{Profile: prof, Defect: d.Name}, tm, nil)
				expectPointsAt(r, d.Label, extraLabels[d.Name]...)
			})
		}
	}

	// A listener that refuses exactly one documented payload must fail the
	// check that delivers it. When that payload is the baseline delivery,
	// the verdict is the baseline check's, and the payload's own check is
	// blocked by it.
	for _, tc := range rejections() {
		It(fmt.Sprintf("fails %s against a listener that refuses only %s", tc.check, tc.what), func() {
			prof := signing.ForProvider(strings.SplitN(tc.check, "/", 2)[0])[0]
			r := run("refuses "+tc.what, listener.Config{Profile: prof, Reject: tc.reject}, normal, nil)
			o := r.byID[tc.check]
			area := strings.Split(tc.check, "/")[1]
			if tc.baseline {
				p, err := harness.LookupProvider(prof.Provider)
				Expect(err).NotTo(HaveOccurred())
				Expect(r.byID[harness.BaselineID(p)].Status).To(Equal(harness.Failed), r.dump())
				Expect(o.Status).To(Equal(harness.Blocked), r.dump())
				Expect(o.BlockedBy).To(Equal(harness.BaselineID(p)))
				return
			}
			Expect(o.Status).To(Equal(harness.Failed), r.dump())
			expectPointsAt(r, area)
		})
	}

	It("never passes a rejection check against a listener that refuses everything", func() {
		for _, prof := range []signing.Profile{signing.VeriffHMAC, signing.ShuftiPro} {
			refuseAll := func(string, map[string]any) string { return "refused" }
			r := run("refuses everything "+prof.Name, listener.Config{Profile: prof, Reject: refuseAll}, normal, nil)
			for _, in := range suites.Registry().Instances(prof.Provider) {
				if o, ran := r.byID[in.ID]; ran && in.Check.Rejects && o.Status == harness.Passed {
					Fail(fmt.Sprintf("%s passed against a listener that refuses everything:\n%s", in.ID, r.dump()))
				}
			}
			// Filtered runs, where the baseline check itself is left out,
			// must not pass either.
			rf := runFiltered("refuses everything, auth only "+prof.Name, listener.Config{Profile: prof, Reject: refuseAll}, "invalid-json")
			for _, o := range rf.outcomes {
				Expect(o.Status).NotTo(Equal(harness.Passed), "%s passed in a filtered run:\n%s", o.ID, rf.dump())
			}
		}
	})

	It("catches a listener that dies in the pause after the last check (liveness/still-answering)", func() {
		// Margins: during the run, gaps between requests are at most one
		// grace (20ms) plus a request; the listener dies after 3 graces of
		// idleness; the final check pauses 5 graces.
		for _, prof := range []signing.Profile{signing.VeriffXSignature, signing.ShuftiPro} {
			cfg := listener.Config{Profile: prof, Defect: listener.DiesAfterInvalidJSON, APIKey: testKey, Secret: testSecret,
				LateDelay: 60 * time.Millisecond}
			srv, err := listener.Start(cfg)
			Expect(err).NotTo(HaveOccurred())
			sess, err := harness.NewSession(harness.Config{
				Provider: prof.Provider, Profile: prof.Name, Target: srv.URL, APIKey: testKey, Secret: testSecret,
				Budget: normal.budget, Grace: 20 * time.Millisecond, Client: harness.ClientOptions{Timeout: normal.timeout},
				Seed: 3, Assets: conform.Files,
			})
			Expect(err).NotTo(HaveOccurred())
			r := harness.NewRunner(sess, true)
			for _, in := range suites.Registry().Instances(prof.Provider) {
				if sess.Provides(in.Check.Needs) {
					r.Execute(context.Background(), in)
				}
			}
			res := result{name: "dies in the pause " + prof.Name, outcomes: r.Outcomes(), byID: map[string]harness.Outcome{}}
			for _, o := range res.outcomes {
				res.byID[o.ID] = o
			}
			record(res)
			srv.Close()
			sess.Client.Close()
			Expect(res.byID[prof.Provider+"/liveness/still-answering"].Status).To(Equal(harness.Failed), res.dump())
			expectPointsAt(res, "liveness")
		}
	})

	Context("against hostile listeners", func() {
		quick := timing{timeout: 300 * time.Millisecond, budget: 200 * time.Millisecond}
		hostile := func(kind string, opt listener.HostileOptions) result {
			srv, err := listener.StartHostileWith(kind, opt)
			Expect(err).NotTo(HaveOccurred())
			defer srv.Close()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			r := runAt(kind, signing.VeriffXSignature, map[string]string{"decision": srv.DecisionURL, "event": srv.EventURL}, quick)
			runtime.ReadMemStats(&after)
			Expect(time.Since(start)).To(BeNumerically("<", 30*time.Second), "a hostile listener must not stall the run")
			// Reading every 10 MB answer would allocate gigabytes; the
			// client reads at most 64 KiB of each.
			Expect(after.TotalAlloc-before.TotalAlloc).To(BeNumerically("<", 64<<20), "memory must stay bounded")
			Expect(r.with(harness.Passed)).NotTo(HaveLen(len(r.outcomes)), "a hostile listener is never conformant")
			return r
		}
		It("reports a hanging listener as timing out, then blocks the rest", func() {
			r := hostile("hang", listener.HostileOptions{})
			first := r.outcomes[0]
			Expect(first.Status).To(Equal(harness.Failed))
			Expect(first.Message).To(ContainSubstring("timeout"))
			Expect(len(r.with(harness.Blocked))).To(Equal(len(r.outcomes)-1), r.dump())
		})
		It("reports connection resets", func() {
			r := hostile("reset", listener.HostileOptions{})
			Expect(r.outcomes[0].Message).To(ContainSubstring("connection reset"))
		})
		It("reports a slow listener against the budget", func() {
			r := hostile("slow", listener.HostileOptions{Delay: 250 * time.Millisecond})
			Expect(r.byID["veriff/transport/answers-within-budget"].Status).To(Equal(harness.Failed), r.dump())
		})
		It("reads at most 64 KiB of a 10 MB answer", func() {
			r := hostile("huge", listener.HostileOptions{})
			Expect(r.dump()).To(ContainSubstring("the rest was not read"))
		})
		It("does not follow redirects, and says so", func() {
			srv, err := listener.StartHostile("redirect")
			Expect(err).NotTo(HaveOccurred())
			defer srv.Close()
			r := runAt("redirect", signing.VeriffXSignature, map[string]string{"decision": srv.DecisionURL, "event": srv.EventURL}, quick)
			Expect(r.dump()).To(ContainSubstring("not followed"))
			Expect(srv.RedirectHits()).To(BeZero(), "conform followed a redirect")
		})
		It("reports a listener that is down as refusing connections", func() {
			r := hostile("down", listener.HostileOptions{})
			Expect(r.outcomes[0].Message).To(ContainSubstring("connection refused"))
		})
	})

	It("has proven every check both ways", func() {
		seenMu.Lock()
		defer seenMu.Unlock()
		var unproven []string
		for _, in := range suites.Registry().Instances("") {
			if in.Check.Needs != "" {
				continue // proven in suites/lifecycle_test.go against the integrator apps
			}
			outs := seen[in.ID]
			passed := slices.ContainsFunc(outs, func(o harness.Outcome) bool { return o.Status == harness.Passed })
			failed := slices.ContainsFunc(outs, func(o harness.Outcome) bool { return o.Status == harness.Failed })
			blockedByBaseline := slices.ContainsFunc(outs, func(o harness.Outcome) bool {
				return o.Status == harness.Blocked && o.BlockedBy == harness.BaselineID(in.Provider)
			})
			if !passed || !(failed || baselineEquivalent[in.ID] && blockedByBaseline) {
				unproven = append(unproven, fmt.Sprintf("%s (passed somewhere: %v, failed somewhere: %v)", in.ID, passed, failed))
			}
		}
		sort.Strings(unproven)
		Expect(unproven).To(BeEmpty(), "checks not proven both ways")
	})
})

// baselineEquivalent checks deliver exactly the baseline payload, so a
// listener that refuses it fails the baseline check and blocks them.
var baselineEquivalent = map[string]bool{
	"veriff/decisions/approved-9001":         true,
	"shuftipro/events/verification-accepted": true,
}

type rejection struct {
	check    string // the check that must fail
	what     string
	baseline bool
	reject   func(kind string, obj map[string]any) string
}

// rejections builds one listener per documented payload, refusing only it.
func rejections() []rejection {
	field := func(obj map[string]any, path ...string) string {
		var cur any = obj
		for _, k := range path {
			m, ok := cur.(map[string]any)
			if !ok {
				return ""
			}
			cur = m[k]
		}
		return fmt.Sprint(cur)
	}
	decision := func(check, status, code string) rejection {
		return rejection{check: "veriff/" + check, what: "decisions " + status + "/" + code,
			baseline: status == "approved" && code == "9001",
			reject: func(kind string, obj map[string]any) string {
				if kind == listener.KindDecision && field(obj, "verification", "status") == status && field(obj, "verification", "code") == code {
					return "refused " + status
				}
				return ""
			}}
	}
	reason := func(check, code string) rejection {
		return rejection{check: "veriff/" + check, what: "reasonCode " + code,
			reject: func(kind string, obj map[string]any) string {
				if kind == listener.KindDecision && field(obj, "verification", "reasonCode") == code {
					return "refused reason " + code
				}
				return ""
			}}
	}
	event := func(check, code string) rejection {
		return rejection{check: "veriff/" + check, what: "events with code " + code,
			reject: func(kind string, obj map[string]any) string {
				if kind == listener.KindEvent && field(obj, "code") == code {
					return "refused event " + code
				}
				return ""
			}}
	}
	out := []rejection{
		decision("decisions/approved-9001", "approved", "9001"),
		decision("decisions/declined-9102", "declined", "9102"),
		decision("decisions/resubmission-requested-9103", "resubmission_requested", "9103"),
		decision("decisions/review-9121", "review", "9121"),
		decision("decisions/intermediate-9151", "approved", "9151"),
		decision("decisions/intermediate-9161", "approved", "9161"),
		decision("expiry/expired-9104", "expired", "9104"),
		decision("expiry/abandoned-9104", "abandoned", "9104"),
		reason("decisions/declined-9102", "107"),
		reason("decisions/resubmission-requested-9103", "207"),
		event("events/started-7001", "7001"),
		event("events/submitted-7002", "7002"),
	}
	for _, ev := range []string{"request.pending", "verification.cancelled", "request.timeout", "verification.accepted",
		"verification.declined", "verification.status.changed", "request.deleted", "request.received", "review.pending"} {
		out = append(out, rejection{
			check: "shuftipro/events/" + strings.ReplaceAll(ev, ".", "-"), what: "the " + ev + " callback",
			baseline: ev == "verification.accepted",
			reject: func(kind string, obj map[string]any) string {
				if field(obj, "event") == ev {
					return "refused " + ev
				}
				return ""
			}})
	}
	return out
}
