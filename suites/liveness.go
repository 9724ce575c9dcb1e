package suites

import (
	"context"
	"time"

	"github.com/conform-kit/conform/harness"
)

// Liveness runs last: a listener that crashes a moment after answering a
// hostile delivery (an unhandled error in background work, a panic in a
// deferred log line) looks alive to the probe right after that check. After
// a pause, each webhook URL must still answer.

var _ = registry.Define(harness.Check{
	Area: "liveness", Name: "still-answering", Severity: harness.MUST, Labels: []string{"transport"},
	Title: "after every other check and a pause, each webhook URL still answers a correctly signed delivery",
	Rules: map[string]harness.Rule{
		"veriff":    {Section: "Testing security", Quote: "Decision with invalid JSON should not break or crash your server"},
		"shuftipro": {Section: "Verification Response", Quote: "Callback response will be sent on the callback_url provided in the request callback_url parameter."},
	},
	Run: func(ctx context.Context, s *harness.Session) *harness.Failure {
		pause := 5 * s.Grace
		t := time.NewTimer(pause)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		return eachEndpoint(s, func(kind string, d *harness.Delivery) *harness.Failure {
			ex := s.Deliver(ctx, d)
			if ex.Answered() {
				return nil
			}
			return &harness.Failure{
				Expected: "an HTTP answer from the " + kind + " URL " + pause.String() + " after the last check",
				Actual:   harness.DescribeOutcome(ex),
				Fix:      "the listener died some time after answering one of the earlier deliveries (most likely one of the invalid-json checks, which ran last): it must keep serving whatever a delivery contains",
				Exchange: ex,
			}
		})
	},
})
