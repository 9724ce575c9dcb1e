package expect

import (
	"fmt"
	"strings"
	"time"

	"github.com/conform-kit/conform/harness"
)

// Expected is the status of a listed check that did not pass, under an entry
// that still holds. It does not make the run fail. (harness.Status is an open
// string type; if the lead moves this constant into harness, alias it here.)
const Expected harness.Status = "expected"

// Disposition is what became of one entry in a run.
type Disposition string

// Dispositions. Stale and Expired fail the run; the others do not.
const (
	// Confirmed: the check failed (or was blocked, or missed a SHOULD) again,
	// as listed. Its outcome's status becomes Expected.
	Confirmed Disposition = "confirmed"
	// Stale: the check passed. The entry must go, or the list would hide the
	// next regression of this check.
	Stale Disposition = "stale"
	// Expired: the check did not pass and the entry is past its date. The
	// outcome keeps its own status (failed, blocked, warned).
	Expired Disposition = "expired"
	// NotRun: the check was not selected (--labels, --provider), so the
	// entry could not be judged. Reported only.
	NotRun Disposition = "not-run"
)

// Verdict is what one entry came to.
type Verdict struct {
	Entry       Entry       `json:"entry"`
	Disposition Disposition `json:"disposition"`
	// Status is the check's own status as the runner recorded it; "" when
	// it did not run.
	Status harness.Status `json:"status,omitempty"`
	// FailsRun is true for stale and expired entries.
	FailsRun bool `json:"fails_run"`
	// Message explains the verdict in one line, naming the file and line.
	Message string `json:"message"`
}

// Result is an applied list: what a report needs.
type Result struct {
	// File is the list's path as given.
	File string `json:"file"`
	// Outcomes are the run's outcomes, in their order, with Confirmed
	// checks' status set to Expected and every listed check's message
	// starting with a line that says what the list made of it.
	Outcomes []harness.Outcome `json:"-"`
	// Verdicts has one element per entry, in file order.
	Verdicts []Verdict `json:"verdicts"`
	// Conformant is the run's verdict with the list applied: no outcome
	// failed or blocked, and no entry is stale or expired.
	Conformant bool `json:"conformant"`
}

// For returns the verdict of the entry naming check id.
func (r *Result) For(id string) (Verdict, bool) {
	if r == nil {
		return Verdict{}, false
	}
	for _, v := range r.Verdicts {
		if v.Entry.Check == id {
			return v, true
		}
	}
	return Verdict{}, false
}

// Problems returns the verdicts that fail the run (stale and expired).
func (r *Result) Problems() []Verdict {
	if r == nil {
		return nil
	}
	var out []Verdict
	for _, v := range r.Verdicts {
		if v.FailsRun {
			out = append(out, v)
		}
	}
	return out
}

// Count returns how many verdicts have disposition d.
func (r *Result) Count(d Disposition) int {
	n := 0
	if r != nil {
		for _, v := range r.Verdicts {
			if v.Disposition == d {
				n++
			}
		}
	}
	return n
}

// Apply judges the list against a finished run's outcomes. today decides
// expiry (pass time.Now(); tests pass a fixed date). The outcomes given are
// not modified.
func (l *List) Apply(outcomes []harness.Outcome, today time.Time) Result {
	res := Result{File: l.Path, Outcomes: make([]harness.Outcome, len(outcomes)), Conformant: true}
	copy(res.Outcomes, outcomes)
	ran := map[string]int{}
	for i, o := range res.Outcomes {
		ran[o.ID] = i
	}
	for _, e := range l.Entries {
		v := Verdict{Entry: e}
		where := l.Where(e)
		expiredNote := ""
		if e.Expired(today) {
			expiredNote = fmt.Sprintf("; the entry also expired on %s", e.Expires)
		}
		i, didRun := ran[e.Check]
		switch {
		case !didRun:
			v.Disposition = NotRun
			v.Message = fmt.Sprintf("%s (%s) did not run in this selection, so its expected-failure entry was not judged%s", e.Check, where, expiredNote)
		case res.Outcomes[i].Status == harness.Passed:
			v.Disposition, v.FailsRun = Stale, true
			v.Message = fmt.Sprintf("%s now passes but %s lists it as an expected failure: remove the entry (a stale entry fails the run)%s", e.Check, where, expiredNote)
		case e.Expired(today):
			v.Disposition, v.FailsRun = Expired, true
			v.Message = fmt.Sprintf("%s still fails and its expected-failure entry (%s) expired on %s: fix the listener, or renew the entry with a new date and reason (an expired entry fails the run)", e.Check, where, e.Expires)
		default:
			v.Disposition = Confirmed
			v.Message = fmt.Sprintf("%s %s (%s): %s%s", e.Check, confirmedVerb(res.Outcomes[i]), where, e.Reason, untilNote(e))
		}
		if didRun {
			o := &res.Outcomes[i]
			v.Status = o.Status
			o.Message = annotate(o.Message, v)
			if v.Disposition == Confirmed {
				o.Status = Expected
			}
		}
		if v.FailsRun {
			res.Conformant = false
		}
		res.Verdicts = append(res.Verdicts, v)
	}
	for _, o := range res.Outcomes {
		if o.Status == harness.Failed || o.Status == harness.Blocked {
			res.Conformant = false
		}
	}
	return res
}

func confirmedVerb(o harness.Outcome) string {
	switch o.Status {
	case harness.Blocked:
		return "was blocked by " + o.BlockedBy + " (not judged), so it stays an expected failure"
	case harness.Warned:
		return "missed its SHOULD, as expected"
	}
	return "failed, as expected"
}

func untilNote(e Entry) string {
	var parts []string
	if e.Expires != "" {
		parts = append(parts, "until "+e.Expires)
	}
	if e.Link != "" {
		parts = append(parts, e.Link)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// annotate puts the list's verdict first in a check's message, so the JSON
// report and anything else built from the outcome carries it.
func annotate(msg string, v Verdict) string {
	label := map[Disposition]string{Confirmed: "expected failure", Stale: "stale expected-failure entry", Expired: "expired expected-failure entry"}[v.Disposition]
	line := label + ": " + v.Message
	if msg == "" {
		return line
	}
	return line + "\n" + msg
}
