package report

import (
	"github.com/conform-kit/conform/expect"
	"github.com/conform-kit/conform/harness"
)

// ApplyExpected replaces the report's checks with the outcomes of an applied
// expected-failures list and recomputes the counts and the verdict from them:
// expected failures stop counting as failures, and a stale or expired entry
// makes the run non-conformant. A nil result changes nothing.
func (r *Report) ApplyExpected(res *expect.Result) {
	if res == nil {
		return
	}
	r.Checks = append([]harness.Outcome(nil), res.Outcomes...)
	r.Counts = map[string]int{string(harness.Passed): 0, string(harness.Failed): 0, string(harness.Warned): 0, string(harness.Blocked): 0, string(expect.Expected): 0}
	for _, o := range r.Checks {
		r.Counts[string(o.Status)]++
	}
	r.Conformant = res.Conformant
}
