package listener

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// expectation maps a probe to the defective listener's outcome; a probe not
// mentioned must get the reference outcome.
type expectation func(e env, p probe) (string, bool)

// only lists the probes where the defect answers differently.
func only(m map[string]string) expectation {
	return func(_ env, p probe) (string, bool) {
		v, ok := m[p.name]
		return v, ok
	}
}

// everyStep rewrites each step's status of every probe accepted by rule.
func everyStep(rule func(e env, p probe) bool, to func(status string) string) expectation {
	return func(e env, p probe) (string, bool) {
		if !rule(e, p) {
			return "", false
		}
		steps := strings.Split(p.want, ",")
		for i, s := range steps {
			steps[i] = to(s)
		}
		return strings.Join(steps, ","), true
	}
}

// wrongDigest is a defect that verifies with another formula: every correctly
// signed probe fails the signature check, and the probe signed with the
// defect's own formula passes. same names the probes where both formulas
// happen to give the same digest.
func wrongDigest(accepted string, same func(e env, p probe) bool) expectation {
	return func(e env, p probe) (string, bool) {
		if p.name == accepted {
			return "200", true
		}
		if p.verified && !same(e, p) {
			steps := strings.Split(p.want, ",")
			for i := range steps {
				steps[i] = "401"
			}
			return strings.Join(steps, ","), true
		}
		return "", false
	}
}

// goReserialized: every verified request whose body is not already in the
// form json.Marshal(json.Unmarshal(body)) gives fails the signature check.
func goReserialized(e env, p probe) (string, bool) {
	if !p.verified {
		return "", false
	}
	steps := strings.Split(p.want, ",")
	changed := false
	for i, r := range p.reqs(e) {
		if i >= len(steps) || r.Body == nil {
			continue
		}
		body, _ := io.ReadAll(r.Body)
		var v any
		if json.Unmarshal(body, &v) != nil {
			continue
		}
		if re, _ := json.Marshal(v); !bytes.Equal(re, body) {
			steps[i], changed = "401", true
		}
	}
	return strings.Join(steps, ","), changed
}

var unsignedAccepted = map[string]string{
	"bad-signature":              "200",
	"missing-signature":          "200",
	"signature-with-space":       "200",
	"truncated-signature":        "200",
	"secret-prepended-signature": "200",
	"other-formula-signature":    "200",
	"signature-of-reserialized":  "200",
	"other-scheme-header-only":   "200",
	"event-bad-signature":        "200",
	"invalid-json-unsigned":      "400",
	"non-object-unsigned":        "400",
}

// expectations is the table of how each defect differs from the reference.
var expectations = map[string]expectation{
	NoAPIKeyCheck: only(map[string]string{"wrong-api-key": "200", "missing-api-key": "200", "event-wrong-key": "200"}),
	AcceptEverything: everyStep(func(_ env, p probe) bool { return p.name != "unknown-path" },
		func(string) string { return "200" }),
	NoSignatureCheck:         only(unsignedAccepted),
	MissingSignatureAccepted: only(map[string]string{"missing-signature": "200", "other-scheme-header-only": "200"}),
	MissingSignature500:      only(map[string]string{"missing-signature": "500", "other-scheme-header-only": "500"}),
	ReserializedBody:         only(map[string]string{"pretty-body": "401", "crlf-body": "401", "signature-of-reserialized": "200"}),
	ReserializedGo:           goReserialized,
	TrimsBody:                only(map[string]string{"pretty-body": "401", "crlf-body": "401"}),
	NormalizesCRLF:           only(map[string]string{"crlf-body": "401"}),
	EventsUnverified:         only(map[string]string{"event-bad-signature": "200", "event-wrong-key": "200"}),
	UnauthenticatedPing:      only(map[string]string{"no-credentials": "200"}),
	DiesAfterInvalidJSON:     only(nil), // same answers; it dies later: TestDiesAfterInvalidJSON
	UnknownFieldsRejected:    only(map[string]string{"unknown-fields": "400"}),
	ParseBeforeVerify:        only(map[string]string{"invalid-json-unsigned": "400", "non-object-unsigned": "400"}),
	PrefixCompare:            only(map[string]string{"truncated-signature": "200"}),
	// sha256(secret || "") is sha256("" || secret): for an empty body the
	// prepended secret is indistinguishable from the appended one.
	SecretPrepended: wrongDigest("secret-prepended-signature", func(e env, p probe) bool {
		return p.name == "empty-signed" && e.p.Formula == "hex(sha256(payload || secret))"
	}),
	WrongFormula:             wrongDigest("other-formula-signature", func(env, probe) bool { return false }),
	CrashOnInvalidJSON:       only(map[string]string{"invalid-json-signed": "abort", "empty-signed": "abort"}),
	ServerErrorOnInvalidJSON: only(map[string]string{"invalid-json-signed": "500", "empty-signed": "500"}),
	UnknownStatusRejected:    only(map[string]string{"decision-review": "400", "decision-9161": "400"}),
	UnknownEventRejected: func(_ env, p probe) (string, bool) {
		if p.name == "callback-after-final" {
			return "200,400", true
		}
		if ev, ok := strings.CutPrefix(p.name, "callback-"); ok && ev != "verification.declined" {
			return "400", true
		}
		return "", false
	},
	EventsRejected: only(map[string]string{"event": "404", "event-unknown-code": "404", "event-after-decision": "200,404",
		"event-bad-signature": "404", "event-wrong-key": "404"}),
	DuplicateRejected: only(map[string]string{"duplicate": "200,409"}),
	OutOfOrderRejected: only(map[string]string{
		"event-after-decision": "200,409", "older-decision-after-newer": "200,409", "callback-after-final": "200,409"}),
	ExpiredRejected: only(map[string]string{"decision-expired": "400", "decision-abandoned": "400"}),
	// A listener that exits after its first accepted webhook drops every
	// later request.
	ExitsAfterFirstWebhook: func(_ env, p probe) (string, bool) {
		steps := strings.Split(p.want, ",")
		if len(steps) < 2 || steps[0] != "200" {
			return "", false
		}
		for i := 1; i < len(steps); i++ {
			steps[i] = "abort"
		}
		return strings.Join(steps, ","), true
	},
	Slow:                  only(nil), // same answers, later: TestSlowDefectIsOnlySlow
	Non200Success:         everyStep(func(env, probe) bool { return true }, func(s string) string { return strings.Replace(s, "200", "202", 1) }),
	AcceptsAnyContentType: only(map[string]string{"text-plain": "200", "no-content-type": "200"}),
	WrongMethodAccepted:   only(map[string]string{"get": "200"}),
}

// TestDefectsDifferInExactlyTheirDefect runs every probe against every
// defective listener and compares with the reference: each defect answers
// differently exactly where the table says, and somewhere.
func TestDefectsDifferInExactlyTheirDefect(t *testing.T) {
	for _, d := range Defects() {
		exp, ok := expectations[d.Name]
		if !ok {
			t.Errorf("defect %s has no expectation in this test", d.Name)
			continue
		}
		for _, e := range envs() {
			if !slices.Contains(d.Providers, e.p.Provider) {
				continue
			}
			t.Run(d.Name+"/"+e.p.Name, func(t *testing.T) {
				differs := 0
				for _, p := range probes(e) {
					want := p.want
					if v, changed := exp(e, p); changed {
						want = v
					}
					if want != p.want {
						differs++
					}
					cfg := e.config(d.Name)
					cfg.SlowDelay = time.Millisecond
					got, _ := runSteps(t, cfg, p.reqs(e))
					if got != want {
						t.Errorf("probe %s: got %s, want %s (reference %s)", p.name, got, want, p.want)
					}
				}
				if differs == 0 && d.Name != Slow && d.Name != DiesAfterInvalidJSON {
					t.Errorf("no probe tells %s apart from the reference", d.Name)
				}
			})
		}
	}
}

// TestSlowDefectIsOnlySlow: the slow listener answers like the reference,
// after its delay.
func TestSlowDefectIsOnlySlow(t *testing.T) {
	e := envs()[0]
	const delay = 60 * time.Millisecond
	cfg := e.config(Slow)
	cfg.SlowDelay = delay
	for _, p := range probes(e)[:3] {
		start := time.Now()
		got, _ := runSteps(t, cfg, p.reqs(e))
		if took := time.Since(start); took < delay {
			t.Errorf("probe %s answered in %v, want at least %v", p.name, took, delay)
		}
		if got != p.want {
			t.Errorf("probe %s: got %s, want %s", p.name, got, p.want)
		}
	}
	ref := e.config("")
	start := time.Now()
	runSteps(t, ref, probes(e)[0].reqs(e))
	if took := time.Since(start); took >= delay {
		t.Errorf("the reference listener took %v", took)
	}
}

// TestDefectCatalogue: names are unique and stable, every entry is complete,
// and the defects the harness relies on exist with their labels.
func TestDefectCatalogue(t *testing.T) {
	ds := Defects()
	seen := map[string]bool{}
	for _, d := range ds {
		if seen[d.Name] {
			t.Errorf("duplicate defect %s", d.Name)
		}
		seen[d.Name] = true
		if d.Label == "" || d.Description == "" || len(d.Providers) == 0 {
			t.Errorf("incomplete defect %+v", d)
		}
		for _, p := range d.Providers {
			if p != "veriff" && p != "shuftipro" {
				t.Errorf("%s: unknown provider %q", d.Name, p)
			}
		}
	}
	required := map[string]string{
		"no-api-key-check": "auth", "accept-everything": "signature", "no-signature-check": "signature",
		"missing-signature-accepted": "signature", "reserialized-body": "signature", "parse-before-verify": "signature",
		"prefix-compare": "signature", "secret-prepended": "signature", "wrong-formula": "signature",
		"crash-on-invalid-json": "invalid-json", "5xx-on-invalid-json": "invalid-json",
		"unknown-status-rejected": "decisions", "unknown-event-rejected": "events", "events-rejected": "events",
		"duplicate-rejected": "duplicates", "out-of-order-rejected": "duplicates", "expired-rejected": "expiry",
		"exits-after-first-webhook": "transport", "slow": "transport", "non-200-success": "transport",
		"accepts-any-content-type": "transport", "wrong-method-accepted": "transport",
	}
	for name, label := range required {
		i := slices.IndexFunc(ds, func(d Defect) bool { return d.Name == name })
		if i < 0 {
			t.Errorf("defect %s missing", name)
			continue
		}
		if ds[i].Label != label {
			t.Errorf("defect %s has label %s, want %s", name, ds[i].Label, label)
		}
	}
	// Callers may not mutate the catalogue through the returned slices.
	ds[0].Providers[0] = "mutated"
	if Defects()[0].Providers[0] == "mutated" {
		t.Error("Defects exposes the catalogue's slices")
	}
}

// TestDiesAfterInvalidJSON: the listener answers like the reference, then
// stops answering a moment after its first invalid-JSON answer.
func TestDiesAfterInvalidJSON(t *testing.T) {
	e := envs()[0]
	cfg := e.config(DiesAfterInvalidJSON)
	cfg.LateDelay = 20 * time.Millisecond
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := l.Handler()
	if got := serve(h, e.post(e.mainPath(), []byte(`{"status":`))); got != "400" {
		t.Fatalf("invalid JSON: got %s, want 400", got)
	}
	if got := serve(h, e.post(e.mainPath(), e.mainBody(sessA))); got != "200" {
		t.Fatalf("right after: got %s, want 200 (still alive)", got)
	}
	time.Sleep(10 * time.Millisecond)
	if got := serve(h, e.post(e.mainPath(), e.mainBody(sessB))); got != "200" {
		t.Fatalf("a request within the idle delay keeps it alive: got %s", got)
	}
	deadline := time.Now().Add(2 * time.Second)
	for !l.Exited() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := serve(h, e.post(e.mainPath(), e.mainBody(sessA))); got != "abort" {
		t.Errorf("after the delay: got %s, want abort (exited)", got)
	}
}
