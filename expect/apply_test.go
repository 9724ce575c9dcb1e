package expect

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/conform-kit/conform/harness"
)

func outcome(id string, st harness.Status) harness.Outcome {
	o := harness.Outcome{ID: id, Status: st, Severity: harness.MUST}
	if st != harness.Passed {
		o.Message = id + " [MUST]\n  expected:  x\n  actual:    y\n"
	}
	if st == harness.Blocked {
		o.BlockedBy = "veriff/signature/valid-accepted"
	}
	if st == harness.Warned {
		o.Severity = harness.SHOULD
	}
	return o
}

const (
	idA = "veriff/signature/raw-body-pretty"
	idB = "veriff/transport/exactly-200"
	idC = "veriff/auth/wrong-api-key"
)

var day = time.Date(2026, 3, 31, 15, 0, 0, 0, time.UTC)

func TestApply(t *testing.T) {
	type want struct {
		disposition Disposition
		status      harness.Status // outcome status after Apply ("" when not run)
		failsRun    bool
		message     string // substring of the verdict message
	}
	for name, tc := range map[string]struct {
		entries    string // YAML list items
		outcomes   []harness.Outcome
		today      time.Time
		conformant bool
		want       map[string]want
	}{
		"listed failure is expected and does not fail the run": {
			entries:    "  - {check: " + idA + ", reason: framework re-serializes, expires: 2026-03-31, link: https://t.example/1}\n",
			outcomes:   []harness.Outcome{outcome(idA, harness.Failed), outcome(idB, harness.Passed)},
			today:      day, // the expiry day itself still holds
			conformant: true,
			want: map[string]want{idA: {Confirmed, Expected, false,
				idA + " failed, as expected (xf.yaml:2): framework re-serializes (until 2026-03-31, https://t.example/1)"}},
		},
		"listed SHOULD miss is expected": {
			entries:    "  - {check: " + idB + ", reason: gateway answers 202}\n",
			outcomes:   []harness.Outcome{outcome(idB, harness.Warned)},
			today:      day,
			conformant: true,
			want:       map[string]want{idB: {Confirmed, Expected, false, "missed its SHOULD, as expected"}},
		},
		"listed blocked check is expected, naming its blocker": {
			entries:    "  - {check: " + idA + ", reason: r}\n  - {check: veriff/signature/valid-accepted, reason: r}\n",
			outcomes:   []harness.Outcome{outcome("veriff/signature/valid-accepted", harness.Failed), outcome(idA, harness.Blocked)},
			today:      day,
			conformant: true,
			want: map[string]want{
				idA:                               {Confirmed, Expected, false, "was blocked by veriff/signature/valid-accepted (not judged)"},
				"veriff/signature/valid-accepted": {Confirmed, Expected, false, "failed, as expected"},
			},
		},
		"unlisted blocked check still fails the run although its blocker is listed": {
			entries:    "  - {check: veriff/signature/valid-accepted, reason: r}\n",
			outcomes:   []harness.Outcome{outcome("veriff/signature/valid-accepted", harness.Failed), outcome(idA, harness.Blocked)},
			today:      day,
			conformant: false,
			want:       map[string]want{"veriff/signature/valid-accepted": {Confirmed, Expected, false, "failed, as expected"}},
		},
		"stale entry fails the run": {
			entries:    "  - {check: " + idA + ", reason: r}\n",
			outcomes:   []harness.Outcome{outcome(idA, harness.Passed)},
			today:      day,
			conformant: false,
			want: map[string]want{idA: {Stale, harness.Passed, true,
				idA + " now passes but xf.yaml:2 lists it as an expected failure: remove the entry (a stale entry fails the run)"}},
		},
		"expired entry fails the run and the check stays failed": {
			entries:    "  - {check: " + idA + ", reason: r, expires: 2026-03-30}\n",
			outcomes:   []harness.Outcome{outcome(idA, harness.Failed)},
			today:      day,
			conformant: false,
			want: map[string]want{idA: {Expired, harness.Failed, true,
				idA + " still fails and its expected-failure entry (xf.yaml:2) expired on 2026-03-30: fix the listener, or renew the entry"}},
		},
		"expired entry of a SHOULD miss fails the run too": {
			entries:    "  - {check: " + idB + ", reason: r, expires: 2026-01-01}\n",
			outcomes:   []harness.Outcome{outcome(idB, harness.Warned)},
			today:      day,
			conformant: false,
			want:       map[string]want{idB: {Expired, harness.Warned, true, "expired on 2026-01-01"}},
		},
		"stale and expired is reported as stale, naming both": {
			entries:    "  - {check: " + idA + ", reason: r, expires: 2026-01-01}\n",
			outcomes:   []harness.Outcome{outcome(idA, harness.Passed)},
			today:      day,
			conformant: false,
			want:       map[string]want{idA: {Stale, harness.Passed, true, "remove the entry (a stale entry fails the run); the entry also expired on 2026-01-01"}},
		},
		"entry for a check that did not run is reported only": {
			entries:    "  - {check: " + idC + ", reason: r}\n",
			outcomes:   []harness.Outcome{outcome(idA, harness.Passed)},
			today:      day,
			conformant: true,
			want:       map[string]want{idC: {NotRun, "", false, idC + " (xf.yaml:2) did not run in this selection, so its expected-failure entry was not judged"}},
		},
		"expired entry for a check that did not run does not fail the run": {
			entries:    "  - {check: " + idC + ", reason: r, expires: 2025-12-31}\n",
			outcomes:   []harness.Outcome{outcome(idA, harness.Passed)},
			today:      day,
			conformant: true,
			want:       map[string]want{idC: {NotRun, "", false, "was not judged; the entry also expired on 2025-12-31"}},
		},
		"unlisted failure still fails the run": {
			entries:    "  - {check: " + idA + ", reason: r}\n",
			outcomes:   []harness.Outcome{outcome(idA, harness.Failed), outcome(idC, harness.Failed)},
			today:      day,
			conformant: false,
			want:       map[string]want{idA: {Confirmed, Expected, false, "failed, as expected"}},
		},
		"unlisted SHOULD miss does not fail the run": {
			entries:    "  - {check: " + idA + ", reason: r}\n",
			outcomes:   []harness.Outcome{outcome(idA, harness.Failed), outcome(idB, harness.Warned)},
			today:      day,
			conformant: true,
			want:       map[string]want{idA: {Confirmed, Expected, false, "failed, as expected"}},
		},
		"empty list changes nothing": {
			outcomes:   []harness.Outcome{outcome(idA, harness.Failed)},
			today:      day,
			conformant: false,
			want:       map[string]want{},
		},
	} {
		t.Run(name, func(t *testing.T) {
			src := "expected_failures:\n" + tc.entries
			if tc.entries == "" {
				src = "expected_failures: []\n"
			}
			l, err := Parse("xf.yaml", []byte(src), nil)
			if err != nil {
				t.Fatal(err)
			}
			before := make([]harness.Outcome, len(tc.outcomes))
			copy(before, tc.outcomes)
			res := l.Apply(tc.outcomes, tc.today)
			if !reflect.DeepEqual(before, tc.outcomes) {
				t.Fatal("Apply modified the outcomes it was given")
			}
			if res.Conformant != tc.conformant {
				t.Errorf("Conformant = %v, want %v", res.Conformant, tc.conformant)
			}
			if len(res.Verdicts) != len(l.Entries) || len(res.Outcomes) != len(tc.outcomes) {
				t.Fatalf("%d verdicts for %d entries, %d outcomes for %d", len(res.Verdicts), len(l.Entries), len(res.Outcomes), len(tc.outcomes))
			}
			problems := 0
			for id, w := range tc.want {
				v, ok := res.For(id)
				if !ok {
					t.Fatalf("no verdict for %s", id)
				}
				if v.Disposition != w.disposition || v.FailsRun != w.failsRun {
					t.Errorf("%s: disposition %s fails=%v, want %s fails=%v", id, v.Disposition, v.FailsRun, w.disposition, w.failsRun)
				}
				if !strings.Contains(v.Message, w.message) {
					t.Errorf("%s: message %q\nwant it to contain %q", id, v.Message, w.message)
				}
				if strings.Contains(v.Message, "\n") {
					t.Errorf("%s: message spans lines", id)
				}
				if w.failsRun {
					problems++
				}
				var got *harness.Outcome
				for i := range res.Outcomes {
					if res.Outcomes[i].ID == id {
						got = &res.Outcomes[i]
					}
				}
				if w.status == "" {
					if got != nil || v.Status != "" {
						t.Errorf("%s: did not run but has outcome %+v / status %q", id, got, v.Status)
					}
					continue
				}
				if got == nil || got.Status != w.status {
					t.Fatalf("%s: outcome %+v, want status %s", id, got, w.status)
				}
				if orig := statusOf(tc.outcomes, id); v.Status != orig {
					t.Errorf("%s: verdict status %s, want the run's own %s", id, v.Status, orig)
				}
				// The outcome's message starts with the verdict and keeps
				// the check's own message after it.
				first, rest, _ := strings.Cut(got.Message, "\n")
				if !strings.HasSuffix(first, v.Message) {
					t.Errorf("%s: message starts %q, want the verdict %q", id, first, v.Message)
				}
				if orig := messageOf(tc.outcomes, id); rest != orig {
					t.Errorf("%s: the check's own message was %q, now %q", id, orig, rest)
				}
			}
			if got := len(res.Problems()); got != problems {
				t.Errorf("%d problems, want %d", got, problems)
			}
			// Unlisted outcomes are untouched.
			for i, o := range res.Outcomes {
				if _, listed := l.Lookup(o.ID); !listed && !reflect.DeepEqual(o, tc.outcomes[i]) {
					t.Errorf("unlisted %s changed: %+v", o.ID, o)
				}
			}
		})
	}
}

func statusOf(os []harness.Outcome, id string) harness.Status {
	for _, o := range os {
		if o.ID == id {
			return o.Status
		}
	}
	return ""
}

func messageOf(os []harness.Outcome, id string) string {
	for _, o := range os {
		if o.ID == id {
			return o.Message
		}
	}
	return ""
}

func TestResultCounts(t *testing.T) {
	l, err := Parse("xf.yaml", []byte("expected_failures:\n  - {check: "+idA+", reason: r}\n  - {check: "+idB+", reason: r}\n  - {check: "+idC+", reason: r}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	res := l.Apply([]harness.Outcome{outcome(idA, harness.Failed), outcome(idB, harness.Passed)}, day)
	if res.Count(Confirmed) != 1 || res.Count(Stale) != 1 || res.Count(NotRun) != 1 || res.Count(Expired) != 0 {
		t.Errorf("counts: %+v", res.Verdicts)
	}
	var nilRes *Result
	if nilRes.Count(Confirmed) != 0 || nilRes.Problems() != nil {
		t.Error("a nil result must count nothing")
	}
	if _, ok := nilRes.For(idA); ok {
		t.Error("a nil result has no verdicts")
	}
}
