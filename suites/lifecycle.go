package suites

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/harness/jsontree"
	"github.com/conform-kit/conform/lifecycle"
	"github.com/conform-kit/conform/mock"
)

// Lifecycle: the integrator's whole loop, end to end, against conform mock,
// through the integrator's test hook (docs/lifecycle.md). Each check sets the
// world through the mock (the user opens the URL, a decision is made, a week
// passes), then asks the hook what the integrator's system concluded, and
// judges that against a line of Veriff's "Testing verification sessions
// checklist" or "Testing process in your app". The listener checks judge the
// HTTP answers to webhooks; these judge what the integrator *did* with them.
//
// The checks need the "lifecycle" capability (an Env in Config.Ext): a run
// without a test hook does not select them, so they are never reported as
// passed without having run. The expiry checks run last: they move the
// mock's clock a week.

const checklist = "Testing verification sessions checklist"

// onEnv hands a lifecycle check its environment.
func onEnv(run func(context.Context, *harness.Session, *lifecycle.Env) *harness.Failure) func(context.Context, *harness.Session) *harness.Failure {
	return func(ctx context.Context, s *harness.Session) *harness.Failure {
		e, ok := lifecycle.FromSession(s)
		if !ok {
			panic("lifecycle check run without a lifecycle environment") // the runner selects it only with one
		}
		return run(ctx, s, e)
	}
}

// begin registers a test user and plays the user's steps: opening the
// session URL (7001) and finishing the flow (7002).
func begin(ctx context.Context, e *lifecycle.Env, first, last string, open, submit bool) (*lifecycle.User, *harness.Failure) {
	u, f := e.StartUser(ctx, first, last)
	if f != nil {
		f.Fix += " (this check starts by registering a user; veriff/lifecycle/session-created checks that step)"
		return nil, f
	}
	if open || submit {
		if f := e.Open(ctx, u.Session.ID, u.Session.URL); f != nil {
			return nil, f
		}
	}
	if submit {
		if f := e.Submit(ctx, u.Session.ID); f != nil {
			return nil, f
		}
	}
	return u, nil
}

func reason(code int) *int { return &code }

// viewChanged fails when a step that should have changed nothing did.
func viewChanged(before, after lifecycle.View, what, fix string, ex *harness.Exchange) *harness.Failure {
	if after.Same(before) {
		return nil
	}
	return &harness.Failure{
		Expected: what + " changes nothing about the user",
		Actual:   "before: " + before.String() + "\nafter:  " + after.String(),
		Fix:      fix,
		Exchange: ex,
	}
}

// decisionBody reads a delivered decision's verification object.
func decisionBody(d mock.DeliveryView) (map[string]any, *harness.Failure) {
	var doc struct {
		Verification map[string]any `json:"verification"`
	}
	if err := json.Unmarshal([]byte(d.Body), &doc); err != nil || doc.Verification == nil {
		return nil, &harness.Failure{Expected: "conform mock's decision delivery is a decision", Actual: "delivery " + d.ID + " body: " + harness.Snippet([]byte(d.Body), 200), Fix: "a bug in conform mock; please report it"}
	}
	return doc.Verification, nil
}

// providerDecision builds a decision for u's session from a golden fixture,
// as conform's listener checks build theirs, with the user's data.
func providerDecision(s *harness.Session, u *lifecycle.User, fixture string) *harness.Delivery {
	d := must(s.Follow(&harness.Delivery{SessionID: u.Session.ID}, fixture))
	for _, kv := range []struct{ path, value string }{
		{"vendorData", u.VendorData}, {"person/firstName", u.FirstName}, {"person/lastName", u.LastName},
	} {
		path := append([]string{"verification"}, splitPath(kv.path)...)
		if d.Doc.Get(path[:len(path)-1]...) != nil {
			if err := d.Doc.Set(jsontree.Str(kv.value), path...); err != nil {
				panic(err)
			}
		}
	}
	return d
}

func splitPath(p string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '/' {
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return out
}

// ---- the checks, in run order ----

var _ = registry.Define(harness.Check{
	Area: "lifecycle", Name: "session-created", Severity: harness.MUST, Needs: lifecycle.Capability, NeedsAcceptance: false,
	Title: "registering a user creates one Veriff session with a valid request, saved with the user's record",
	Rules: map[string]harness.Rule{"veriff": harness.Rule{Section: checklist, Quote: "New session is link generated … Session data is saved with your customer record"}},
	Run: onEnv(func(ctx context.Context, s *harness.Session, e *lifecycle.Env) *harness.Failure {
		mk, f := e.Mark(ctx)
		if f != nil {
			return f
		}
		u, f := e.StartUser(ctx, "Ada", "Lovelace")
		if f != nil {
			return f
		}
		if bad, f := e.Violations(ctx, mk); f != nil {
			return f
		} else if bad != "" {
			return &harness.Failure{
				Expected: "every request the integrator's Veriff client made follows the document",
				Actual:   "conform mock's client contract report:\n" + bad,
				Fix:      "fix the request as the quoted rule says; conform mock --report FILE lists every request",
				Exchange: u.Registered,
			}
		}
		if u.View.SessionURL != u.Session.URL {
			return &harness.Failure{
				Expected: "the new user is directed to the new session's URL (verification.url): " + u.Session.URL,
				Actual:   fmt.Sprintf("the hook's view offers %q", u.View.SessionURL),
				Fix:      "send the user to the verification.url Veriff answered for the session",
				Exchange: u.Registered,
			}
		}
		v, ex, f := e.View(ctx, u)
		if f != nil {
			return f
		}
		if v.SessionID != u.Session.ID {
			return &harness.Failure{
				Expected: "the user's record holds the session id " + u.Session.ID,
				Actual:   fmt.Sprintf("the view's sessionId is %q", v.SessionID),
				Fix:      "save the session id Veriff answered with the customer record: decisions refer to it, and it is the unambiguous key (\"Recognizing your customer\")",
				Exchange: ex,
			}
		}
		return nil
	}),
})

var _ = registry.Define(harness.Check{
	Area: "lifecycle", Name: "odd-names", Severity: harness.MUST, Needs: lifecycle.Capability, NeedsAcceptance: true,
	Title: "sessions for users with apostrophes, diacritics and non-Latin names start, and the names reach Veriff unchanged",
	Rules: map[string]harness.Rule{"veriff": harness.Rule{Section: checklist, Quote: "Sessions with odd names can be started"}},
	Run: onEnv(func(ctx context.Context, s *harness.Session, e *lifecycle.Env) *harness.Failure {
		for _, n := range oddNames {
			u, f := e.StartUser(ctx, n[0], n[1])
			if f != nil {
				f.Expected = fmt.Sprintf("a verification starts for a user named %q %q; ", n[0], n[1]) + f.Expected
				f.Fix += " (if no user can be registered at all, fix veriff/lifecycle/session-created first)"
				return f
			}
			d, f := e.Decide(ctx, u.Session.ID, mock.Decision{Status: mock.StatusApproved})
			if f != nil {
				f.Expected = fmt.Sprintf("(user %q %q) ", n[0], n[1]) + f.Expected
				return f
			}
			v, f := decisionBody(d)
			if f != nil {
				return f
			}
			p, _ := v["person"].(map[string]any)
			if p["firstName"] != n[0] || p["lastName"] != n[1] {
				return &harness.Failure{
					Expected: fmt.Sprintf("Veriff receives the user's name unchanged: firstName %q, lastName %q", n[0], n[1]),
					Actual:   fmt.Sprintf("the session was created with firstName %q, lastName %q", p["firstName"], p["lastName"]),
					Fix:      "send names as UTF-8 JSON strings, unchanged: no transliteration, truncation or re-encoding",
					Exchange: u.Registered,
				}
			}
		}
		return nil
	}),
})

var _ = registry.Define(harness.Check{
	Area: "lifecycle", Name: "vendordata-round-trip", Severity: harness.MUST, Needs: lifecycle.Capability, NeedsAcceptance: true,
	Title: "vendorData is sent with the session, comes back in the decision, and the decision acts on that user only",
	Rules: map[string]harness.Rule{"veriff": harness.Rule{Section: checklist, Quote: "Sessions with vendorData - do you get them back and do you perform actions on them"}},
	Run: onEnv(func(ctx context.Context, s *harness.Session, e *lifecycle.Env) *harness.Failure {
		a, f := begin(ctx, e, "Grace", "Hopper", true, true)
		if f != nil {
			return f
		}
		b, f := begin(ctx, e, "Alan", "Turing", true, true)
		if f != nil {
			return f
		}
		if a.Session.VendorData == nil || *a.Session.VendorData != a.VendorData {
			got := "no vendorData"
			if a.Session.VendorData != nil {
				got = fmt.Sprintf("vendorData %q", *a.Session.VendorData)
			}
			return &harness.Failure{
				Expected: fmt.Sprintf("the session is created with verification.vendorData %q (the value POST {hook}/users gave)", a.VendorData),
				Actual:   "the integrator created the session with " + got,
				Fix:      "send the user's reference as vendorData (a string of at most 40 symbols); Veriff sends it back in every webhook",
				Exchange: a.Registered,
			}
		}
		va0, _, f := e.View(ctx, a)
		if f != nil {
			return f
		}
		vb0, _, f := e.View(ctx, b)
		if f != nil {
			return f
		}
		d, f := e.Decide(ctx, a.Session.ID, mock.Decision{Status: mock.StatusApproved})
		if f != nil {
			return f
		}
		if v, f := decisionBody(d); f != nil {
			return f
		} else if v["vendorData"] != a.VendorData {
			return &harness.Failure{Expected: "the decision carries the session's vendorData back", Actual: fmt.Sprintf("vendorData %v", v["vendorData"]), Fix: "a bug in conform mock; please report it"}
		}
		va, exa, f := e.View(ctx, a)
		if f != nil {
			return f
		}
		if va.Same(va0) {
			return &harness.Failure{
				Expected: fmt.Sprintf("the approval carrying vendorData %q acts on that user (%s)", a.VendorData, a.ID),
				Actual:   "the user's view did not change: " + va.String(),
				Fix:      "find the user the decision is about (by session id, or by vendorData) and apply it",
				Exchange: exa,
			}
		}
		vb, exb, f := e.View(ctx, b)
		if f != nil {
			return f
		}
		return viewChanged(vb0, vb, fmt.Sprintf("a decision about user %s (vendorData %q) for another user (%s)", a.ID, a.VendorData, b.ID),
			"apply a decision to the user it is about only", exb)
	}),
})

var _ = registry.Define(harness.Check{
	Area: "lifecycle", Name: "approved-grants-access", Severity: harness.MUST, Needs: lifecycle.Capability, NeedsAcceptance: true,
	Title: "after an approved decision (9001) the user is granted access",
	Rules: map[string]harness.Rule{"veriff": harness.Rule{Section: checklist, Quote: `User is graned access to your platform after receiving an "Approved" decision`}},
	Run: onEnv(func(ctx context.Context, s *harness.Session, e *lifecycle.Env) *harness.Failure {
		u, f := begin(ctx, e, "Katherine", "Johnson", true, true)
		if f != nil {
			return f
		}
		if _, f := e.Decide(ctx, u.Session.ID, mock.Decision{Status: mock.StatusApproved}); f != nil {
			return f
		}
		v, ex, f := e.View(ctx, u)
		if f != nil {
			return f
		}
		if v.Access != lifecycle.AccessGranted {
			return &harness.Failure{
				Expected: "access granted after the approved (9001) decision was acknowledged",
				Actual:   "the user's view: " + v.String(),
				Fix:      "grant access when a correctly signed decision with code 9001 arrives for the user's session",
				Exchange: ex,
			}
		}
		return nil
	}),
})

var _ = registry.Define(harness.Check{
	Area: "lifecycle", Name: "declined-not-granted", Severity: harness.MUST, Needs: lifecycle.Capability, NeedsAcceptance: true,
	Title: "after a declined decision (9102) the user is not granted access and is told",
	Rules: map[string]harness.Rule{"veriff": harness.Rule{Section: checklist, Quote: `User is notified about verification failure after receiving "Resubmission" or "Declined" decision`}},
	Run: onEnv(func(ctx context.Context, s *harness.Session, e *lifecycle.Env) *harness.Failure {
		u, f := begin(ctx, e, "Mallory", "Example", true, true)
		if f != nil {
			return f
		}
		if _, f := e.Decide(ctx, u.Session.ID, mock.Decision{Status: mock.StatusDeclined, ReasonCode: reason(102)}); f != nil {
			return f
		}
		v, ex, f := e.View(ctx, u)
		if f != nil {
			return f
		}
		switch {
		case v.Access == lifecycle.AccessGranted:
			return &harness.Failure{
				Expected: "no access after a declined (9102) decision",
				Actual:   "the user was GRANTED access: " + v.String(),
				Fix:      "grant access on 9001 only; 9102 means \"Person has not been verified\"",
				Exchange: ex,
			}
		case !v.Notified(mock.StatusDeclined):
			return &harness.Failure{
				Expected: `the user is notified about the failure ("declined" in notifications)`,
				Actual:   "the user's view: " + v.String(),
				Fix:      "tell the user the verification failed (and your back office, if it handles declines)",
				Exchange: ex,
			}
		}
		return nil
	}),
})

var _ = registry.Define(harness.Check{
	Area: "lifecycle", Name: "resubmission-same-url", Severity: harness.MUST, Needs: lifecycle.Capability, NeedsAcceptance: true,
	Title: "after resubmission_requested (9103) the user is told and sent back to the same session URL; no new session",
	Rules: map[string]harness.Rule{"veriff": harness.Rule{Section: checklist, Quote: "In case of resubmitted session, user is directed to same SessionURL"}},
	Run: onEnv(func(ctx context.Context, s *harness.Session, e *lifecycle.Env) *harness.Failure {
		u, f := begin(ctx, e, "Chidi", "Anagonye", true, true)
		if f != nil {
			return f
		}
		if _, f := e.Decide(ctx, u.Session.ID, mock.Decision{Status: mock.StatusResubmit, ReasonCode: reason(204)}); f != nil {
			return f
		}
		v, ex, f := e.View(ctx, u)
		if f != nil {
			return f
		}
		if !v.Notified(mock.StatusResubmit) {
			return &harness.Failure{
				Expected: `the user is told to try again ("resubmission_requested" in notifications)`,
				Actual:   "the user's view: " + v.String(),
				Fix:      "notify the user after a 9103 decision and invite them back (\"User is prompted to try again after receiving \\\"Resubmission\\\" decision\")",
				Exchange: ex,
			}
		}
		r, f := e.Resume(ctx, u)
		if f != nil {
			return f
		}
		if f := sameSession(u, r, "after a resubmission request", "9103: \"The same sessionURL can and should be used for this purpose\"; send the user back to it"); f != nil {
			return f
		}
		return e.Open(ctx, u.Session.ID, r.View.SessionURL)
	}),
})

var _ = registry.Define(harness.Check{
	Area: "lifecycle", Name: "disrupted-same-url", Severity: harness.MUST, Needs: lifecycle.Capability, NeedsAcceptance: false,
	Title: "a user who left mid-verification (browser closed, logged out) is sent back to the same session",
	Rules: map[string]harness.Rule{"veriff": harness.Rule{Section: checklist, Quote: "In case of disrupted session (browser close, user logout, etc), user should be directed back to earlier session"}},
	Run: onEnv(func(ctx context.Context, s *harness.Session, e *lifecycle.Env) *harness.Failure {
		u, f := begin(ctx, e, "Nadia", "Murad", true, false)
		if f != nil {
			return f
		}
		r, f := e.Resume(ctx, u)
		if f != nil {
			return f
		}
		return sameSession(u, r, "after the user left mid-verification", "while the session is open (no conclusive decision, not expired), send a returning user to the URL you already have")
	}),
})

var _ = registry.Define(harness.Check{
	Area: "lifecycle", Name: "forged-webhook-ignored", Severity: harness.MUST, Needs: lifecycle.Capability, NeedsAcceptance: true,
	Title: "a decision webhook with a forged signature changes nothing",
	Rules: map[string]harness.Rule{"veriff": harness.Rule{Section: "Testing security", Quote: "Decision webhook with mismatched X-SIGNATURE should not be accepted"}},
	Run: onEnv(func(ctx context.Context, s *harness.Session, e *lifecycle.Env) *harness.Failure {
		u, f := begin(ctx, e, "Eve", "Forger", true, true)
		if f != nil {
			return f
		}
		before, _, f := e.View(ctx, u)
		if f != nil {
			return f
		}
		d := providerDecision(s, u, "veriff/decision/approved")
		body := d.Body()
		req := s.Signed(d.Kind, body)
		req.Header.Set(s.Profile.Header, s.SignWith(s.Profile, forgerSecret, body))
		ex := s.Send(ctx, req)
		after, _, f := e.View(ctx, u)
		if f != nil {
			return f
		}
		if f := viewChanged(before, after, "an approved decision signed with a secret other than yours (answered "+harness.DescribeOutcome(ex)+")",
			sigFix(s)+"; act on a webhook only after its signature verified", ex); f != nil {
			return f
		}
		// Not vacuous: the genuine decision must change something.
		if _, f := e.Decide(ctx, u.Session.ID, mock.Decision{Status: mock.StatusApproved}); f != nil {
			return f
		}
		real, exr, f := e.View(ctx, u)
		if f != nil {
			return f
		}
		if real.Same(after) {
			return &harness.Failure{
				Expected: "the genuine approval that follows the forged one changes the user's view (so ignoring the forgery means something)",
				Actual:   "the view did not change: " + real.String(),
				Fix:      "apply correctly signed decisions; see veriff/lifecycle/approved-grants-access",
				Exchange: exr,
			}
		}
		return nil
	}),
})

var _ = registry.Define(harness.Check{
	Area: "lifecycle", Name: "duplicate-webhook-ignored", Severity: harness.MUST, Needs: lifecycle.Capability, NeedsAcceptance: true,
	Title: "a provider retry of a decision already applied changes nothing (no second notification)",
	Rules: map[string]harness.Rule{"veriff": veriffRetry},
	Run: onEnv(func(ctx context.Context, s *harness.Session, e *lifecycle.Env) *harness.Failure {
		u, f := begin(ctx, e, "Ingrid", "Bergman", true, true)
		if f != nil {
			return f
		}
		v0, _, f := e.View(ctx, u)
		if f != nil {
			return f
		}
		d, f := e.Decide(ctx, u.Session.ID, mock.Decision{Status: mock.StatusResubmit, ReasonCode: reason(201)})
		if f != nil {
			return f
		}
		v1, ex1, f := e.View(ctx, u)
		if f != nil {
			return f
		}
		if v1.Same(v0) {
			return &harness.Failure{
				Expected: "the resubmission_requested decision changes the user's view (a notification), so a repeat of it can be judged",
				Actual:   "the view did not change: " + v1.String(),
				Fix:      "notify the user after a 9103 decision; see veriff/lifecycle/resubmission-same-url",
				Exchange: ex1,
			}
		}
		if f := e.Redeliver(ctx, d); f != nil {
			return f
		}
		v2, ex2, f := e.View(ctx, u)
		if f != nil {
			return f
		}
		return viewChanged(v1, v2, "the same decision delivered again, byte for byte (Veriff retries until it sees a 200)",
			"remember which deliveries you applied (e.g. by a hash of the body) and acknowledge a repeat without acting on it again", ex2)
	}),
})

var _ = registry.Define(harness.Check{
	Area: "lifecycle", Name: "out-of-order-ignored", Severity: harness.MUST, Needs: lifecycle.Capability, NeedsAcceptance: true,
	Title: "an older resubmission_requested arriving after the approval changes nothing",
	Rules: map[string]harness.Rule{"veriff": harness.Rule{Section: "Lifecycle of the verification session", Quote: "Responses 9001, 9102, and 9104 are conclusive responses. The session is closed and the URL is not available for the end user."}},
	Run: onEnv(func(ctx context.Context, s *harness.Session, e *lifecycle.Env) *harness.Failure {
		u, f := begin(ctx, e, "Olufemi", "Adeyemi", true, true)
		if f != nil {
			return f
		}
		v0, _, f := e.View(ctx, u)
		if f != nil {
			return f
		}
		approved, f := e.Decide(ctx, u.Session.ID, mock.Decision{Status: mock.StatusApproved})
		if f != nil {
			return f
		}
		v1, ex1, f := e.View(ctx, u)
		if f != nil {
			return f
		}
		if v1.Same(v0) {
			return &harness.Failure{
				Expected: "the approval changes the user's view, so a late decision after it can be judged",
				Actual:   "the view did not change: " + v1.String(),
				Fix:      "apply correctly signed decisions; see veriff/lifecycle/approved-grants-access",
				Exchange: ex1,
			}
		}
		av, f := decisionBody(approved)
		if f != nil {
			return f
		}
		decided, err := time.Parse(time.RFC3339Nano, fmt.Sprint(av["decisionTime"]))
		if err != nil {
			return &harness.Failure{Expected: "the mock's approval has a decisionTime", Actual: fmt.Sprint(av["decisionTime"]), Fix: "a bug in conform mock; please report it"}
		}
		// A retry of an earlier resubmission request: Veriff retries
		// failed deliveries for a week, so it can arrive after the
		// session's conclusive decision.
		late := providerDecision(s, u, "veriff/decision/resubmission_requested")
		if err := late.SetTime(decided.Add(-10*time.Minute), "verification", "decisionTime"); err != nil {
			panic(err)
		}
		if accepted, ok := av["acceptanceTime"].(string); ok {
			if err := late.Doc.Set(jsontree.Str(accepted), "verification", "acceptanceTime"); err != nil {
				panic(err)
			}
		}
		ex := s.Deliver(ctx, late)
		v2, _, f := e.View(ctx, u)
		if f != nil {
			return f
		}
		return viewChanged(v1, v2, "a correctly signed resubmission_requested decided 10 minutes before the approval, arriving after it",
			"a conclusive decision (9001, 9102, 9104) is final: acknowledge later deliveries for the session without acting on them, or order decisions by decisionTime", ex)
	}),
})

var _ = registry.Define(harness.Check{
	Area: "lifecycle", Name: "expired-new-session", Severity: harness.MUST, Needs: lifecycle.Capability, NeedsAcceptance: true,
	Title: "a user whose session expired unopened (9104 expired, after 7 days) gets a new session",
	Rules: map[string]harness.Rule{"veriff": harness.Rule{Section: checklist, Quote: "In case generated session is over 7 days old (and thus in Expired or Abandonded status)- new session is generated"}},
	Run: onEnv(func(ctx context.Context, s *harness.Session, e *lifecycle.Env) *harness.Failure {
		return newSessionAfterWeek(ctx, e, false)
	}),
})

var _ = registry.Define(harness.Check{
	Area: "lifecycle", Name: "abandoned-new-session", Severity: harness.MUST, Needs: lifecycle.Capability, NeedsAcceptance: true,
	Title: "a user who started and left (9104 abandoned, after 7 days) gets a new session",
	Rules: map[string]harness.Rule{"veriff": harness.Rule{Section: "Testing process in your app", Quote: "in case of Expired or Abandoned session (after 7 days), user is not offered to continue from same session, new session URL is created"}},
	Run: onEnv(func(ctx context.Context, s *harness.Session, e *lifecycle.Env) *harness.Failure {
		return newSessionAfterWeek(ctx, e, true)
	}),
})

// forgerSecret signs forged webhooks: anything but the integrator's secret.
const forgerSecret = "conform-forger-secret-not-the-real-one"

// oddNames are real-world names that break naive code: apostrophes and
// hyphens (SQL, shell, HTML escaping), Latin diacritics, Cyrillic, Han,
// Arabic (right to left), Vietnamese stacked diacritics, a name outside the
// Basic Multilingual Plane (UTF-16 surrogate pairs).
var oddNames = [][2]string{
	{"Siobhán", "O'Connor-Ní Bhriain"},
	{"Zoë Łucja", "Ångström-Øvergård"},
	{"Олександра", "Шевченко"},
	{"小龍", "李"},
	{"محمد", "العلي"},
	{"Nguyễn Thị", "Minh Khai"},
	{"𠜎𠜱", "D'Arcy"},
}

// sameSession judges a returning user: sent to the session they have, and no
// new session created.
func sameSession(u *lifecycle.User, r *lifecycle.Resumed, when, fix string) *harness.Failure {
	switch {
	case len(r.NewSessions) > 0:
		return &harness.Failure{
			Expected: "no new session " + when + ": the user continues on " + u.Session.URL,
			Actual:   fmt.Sprintf("the integrator created %d new session(s) (%s) and offers %q", len(r.NewSessions), r.NewSessions[0].ID, r.View.SessionURL),
			Fix:      fix,
			Exchange: r.Exchange,
		}
	case r.View.SessionURL != u.Session.URL:
		return &harness.Failure{
			Expected: "the user is sent back to the same session URL " + when + ": " + u.Session.URL,
			Actual:   fmt.Sprintf("the integrator offers %q", r.View.SessionURL),
			Fix:      fix,
			Exchange: r.Exchange,
		}
	}
	return nil
}

// newSessionAfterWeek lets a week pass on the mock's clock for a session the
// user never opened (expired) or started and left (abandoned), then has the
// user come back: the integrator must create a new session.
func newSessionAfterWeek(ctx context.Context, e *lifecycle.Env, started bool) *harness.Failure {
	first, last, status := "Rip", "Van Winkle", mock.StatusExpired
	if started {
		first, last, status = "Amelia", "Earhart", mock.StatusAbandoned
	}
	u, f := begin(ctx, e, first, last, started, false)
	if f != nil {
		return f
	}
	if _, f := e.Expire(ctx, u.Session.ID); f != nil {
		return f
	}
	r, f := e.Resume(ctx, u)
	if f != nil {
		return f
	}
	fix := "after a 9104 decision (" + status + "), create a new session when the user comes back: the old URL shows \"expired\""
	switch {
	case r.View.SessionURL == u.Session.URL:
		return &harness.Failure{
			Expected: "a new session URL for the user whose session is " + status + " (7 days old)",
			Actual:   "the integrator sends the user back to the " + status + " session's URL " + u.Session.URL,
			Fix:      fix,
			Exchange: r.Exchange,
		}
	case len(r.NewSessions) != 1 || r.View.SessionURL != r.NewSessions[0].URL:
		return &harness.Failure{
			Expected: "the integrator creates one new session and sends the user to its URL",
			Actual:   fmt.Sprintf("%d new session(s); the integrator offers %q%s", len(r.NewSessions), r.View.SessionURL, r.Report),
			Fix:      fix,
			Exchange: r.Exchange,
		}
	}
	return e.Open(ctx, r.NewSessions[0].ID, r.View.SessionURL)
}
