package suites

import (
	"context"
	"time"

	"github.com/conform-kit/conform/harness"
)

// Expiry: a Veriff session expires 7 days after creation with code 9104,
// "expired" if the user never opened it and "abandoned" if they started.
// Listeners that only know approve/decline reject these, and Veriff retries
// them for a week. (That a *new* session must follow is checked end to end
// by the lifecycle suite against conform mock.)

var expiryRule = map[string]harness.Rule{"veriff": {
	Section: "Meaning of the various verification responses",
	Quote:   `9104 : Negative: Verification has been expired. The verification process is complete. After 7 days the session get's expired. If the client started the verification process we reply "abandoned" here, otherwise if the client never arrived in our environment the status will be "expired"`,
}}

// acceptsAfterAWeek delivers a 9104 decision whose session was accepted
// seven days and a minute before the decision.
func acceptsAfterAWeek(id string) func(context.Context, *harness.Session) *harness.Failure {
	return func(ctx context.Context, s *harness.Session) *harness.Failure {
		d := must(s.NewDelivery(id))
		now := time.Now()
		if err := d.SetTime(now.Add(-7*24*time.Hour-time.Minute), "verification", "acceptanceTime"); err != nil {
			panic(err)
		}
		if err := d.SetTime(now, "verification", "decisionTime"); err != nil {
			panic(err)
		}
		return accepted(s, s.Deliver(ctx, d), "a correctly signed "+id+" (9104) decision for a session created 7 days ago")
	}
}

var _ = registry.Define(harness.Check{
	Area: "expiry", Name: "expired-9104", Severity: harness.MUST, NeedsAcceptance: true, Labels: []string{"decisions"},
	Title: "an expired decision (9104, never started) after 7 days is accepted",
	Rules: expiryRule,
	Run:   acceptsAfterAWeek("veriff/decision/expired"),
})

var _ = registry.Define(harness.Check{
	Area: "expiry", Name: "abandoned-9104", Severity: harness.MUST, NeedsAcceptance: true, Labels: []string{"decisions"},
	Title: "an abandoned decision (9104, started, not finished) after 7 days is accepted",
	Rules: expiryRule,
	Run:   acceptsAfterAWeek("veriff/decision/abandoned"),
})
