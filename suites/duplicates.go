package suites

import (
	"context"
	"time"

	"github.com/conform-kit/conform/harness"
)

// Duplicates and ordering: providers retry until they see an acknowledgement,
// so a listener sees the same delivery more than once, and retries reorder
// deliveries. Each must be acknowledged: a 409 for a repeat makes the
// provider retry it for a week. (What the integrator's system does with a
// stale delivery — not downgrading an approved user — is checked end to end
// by the lifecycle suite.)

var _ = registry.Define(harness.Check{
	Area: "duplicates", Name: "same-delivery-twice", Severity: harness.MUST, NeedsAcceptance: true,
	Title: "the same delivery, byte for byte, is accepted twice",
	Rules: map[string]harness.Rule{
		"veriff":    veriffRetry,
		"shuftipro": {Section: "Response Events", Quote: "Events are sent in responses that show the status of the request. These events are sent in both HTTP and callback responses."},
	},
	Run: func(ctx context.Context, s *harness.Session) *harness.Failure {
		d := baseline(s)
		return deliverAll(ctx, s, "the same delivery sent twice (a provider retry)", d, d)
	},
})

var _ = registry.Define(harness.Check{
	Area: "duplicates", Name: "event-after-decision", Severity: harness.MUST, NeedsAcceptance: true, Labels: []string{"events"},
	Title: "an event arriving after its session's decision is accepted",
	Rules: map[string]harness.Rule{"veriff": {Section: "/webhooks /events (POST)", Quote: "The event webhook informs you about the progress of the verification. However, it does not inform you of the decision."}},
	Run: func(ctx context.Context, s *harness.Session) *harness.Failure {
		decision := must(s.NewDelivery("veriff/decision/approved"))
		event := must(s.Follow(decision, "veriff/event/submitted"))
		return deliverAll(ctx, s, "a decision, then a late event of the same session", decision, event)
	},
})

var _ = registry.Define(harness.Check{
	Area: "duplicates", Name: "out-of-order", Severity: harness.MUST, NeedsAcceptance: true, Labels: []string{"events", "decisions"},
	Title: "an older delivery arriving after a newer one of the same session is accepted",
	Rules: map[string]harness.Rule{
		"veriff":    {Section: "Lifecycle of the verification session", Quote: "Response 9103 is an inconclusive response. The session remains open until you receive one of the above conclusive responses."},
		"shuftipro": {Section: "Response Events", Quote: "Event is changed in every response."},
	},
	Run: func(ctx context.Context, s *harness.Session) *harness.Failure {
		if s.Provider.Name == "veriff" {
			newer := must(s.NewDelivery("veriff/decision/approved"))
			older := must(s.Follow(newer, "veriff/decision/resubmission_requested"))
			past := time.Now().Add(-time.Hour)
			if err := older.SetTime(past, "verification", "decisionTime"); err != nil {
				panic(err)
			}
			if err := older.SetTime(past.Add(-10*time.Minute), "verification", "acceptanceTime"); err != nil {
				panic(err)
			}
			return deliverAll(ctx, s, "approved, then the older resubmission_requested of the same session (a delayed retry)", newer, older)
		}
		final := must(s.NewDelivery("shuftipro/callback/verification.accepted"))
		early := must(s.Follow(final, "shuftipro/callback/request.pending"))
		return deliverAll(ctx, s, "verification.accepted, then the earlier request.pending of the same reference", final, early)
	},
})
