package suites

import (
	"context"
	"fmt"

	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/harness/jsontree"
)

// Decisions: Veriff posts one decision webhook per verdict. Every status and
// code must be accepted, including values added after the 2019 document
// (review, 9121) and fields the listener does not know. Expired and abandoned
// (9104) are decisions too; they are checked in expiry.go.

func acceptsFixture(id string) func(context.Context, *harness.Session) *harness.Failure {
	return func(ctx context.Context, s *harness.Session) *harness.Failure {
		d := must(s.NewDelivery(id))
		return accepted(s, s.Deliver(ctx, d), "a correctly signed "+id+" delivery")
	}
}

// acceptsReasonCodes delivers the fixture once per reason code.
func acceptsReasonCodes(id string, codes []int) func(context.Context, *harness.Session) *harness.Failure {
	return func(ctx context.Context, s *harness.Session) *harness.Failure {
		var ds []*harness.Delivery
		for _, c := range codes {
			d := must(s.NewDelivery(id))
			if err := d.Doc.Set(jsontree.Num(c), "verification", "reasonCode"); err != nil {
				panic(err)
			}
			ds = append(ds, d)
		}
		return deliverAll(ctx, s, fmt.Sprintf("%s with each reason code (%s)", id, codeList(codes)), ds...)
	}
}

func decisionRule(quote string) map[string]harness.Rule {
	return map[string]harness.Rule{"veriff": {Section: "Meaning of the various verification responses", Quote: quote}}
}

var _ = registry.Define(harness.Check{
	Area: "decisions", Name: "approved-9001", Severity: harness.MUST, NeedsAcceptance: true,
	Title: "an approved decision (9001) is accepted",
	Rules: decisionRule("9001 : Positive: Person was verified. The verification process is complete."),
	Run:   acceptsFixture("veriff/decision/approved"),
})

var _ = registry.Define(harness.Check{
	Area: "decisions", Name: "declined-9102", Severity: harness.MUST, NeedsAcceptance: true,
	Title: "a declined decision (9102) is accepted with every decline reason code",
	Rules: decisionRule("9102 : Negative: Person has not been verified. The verification process is complete."),
	Run:   acceptsReasonCodes("veriff/decision/declined", []int{101, 102, 103, 105, 106, 107}),
})

var _ = registry.Define(harness.Check{
	Area: "decisions", Name: "resubmission-requested-9103", Severity: harness.MUST, NeedsAcceptance: true,
	Title: "a resubmission_requested decision (9103) is accepted with every resubmit reason code",
	Rules: decisionRule("9103 : Resubmitted: Resubmission has been requested. The verification process is not completed."),
	Run:   acceptsReasonCodes("veriff/decision/resubmission_requested", []int{201, 202, 203, 204, 205, 206, 207}),
})

var _ = registry.Define(harness.Check{
	Area: "decisions", Name: "review-9121", Severity: harness.MUST, NeedsAcceptance: true,
	Title: "a review decision (9121, Veriff's current API) is accepted",
	Rules: map[string]harness.Rule{"veriff": veriffAccept},
	Run:   acceptsFixture("veriff/decision/review"),
})

var _ = registry.Define(harness.Check{
	Area: "decisions", Name: "intermediate-9151", Severity: harness.MUST, NeedsAcceptance: true,
	Title: "an intermediate decision (9151, SelfID) is accepted",
	Rules: decisionRule("9151 : Intermediate Positive: SelfID was successful - this code is only send if the configuration flag is set"),
	Run:   acceptsFixture("veriff/decision/intermediate-9151"),
})

var _ = registry.Define(harness.Check{
	Area: "decisions", Name: "intermediate-9161", Severity: harness.MUST, NeedsAcceptance: true,
	Title: "an intermediate decision (9161, video call) is accepted",
	Rules: map[string]harness.Rule{"veriff": {Section: "/sessions/{sessionId}/decision", Quote: "9161 : Intermediate Positive: Video Call was successful - this code is only send if the configuration flag is set."}},
	Run:   acceptsFixture("veriff/decision/intermediate-9161"),
})

var _ = registry.Define(harness.Check{
	Area: "decisions", Name: "unknown-fields", Severity: harness.MUST, NeedsAcceptance: true,
	Title: "a decision carrying fields the document does not list is accepted",
	Rules: map[string]harness.Rule{"veriff": {Section: "/webhooks /decision (POST)", Quote: "It sends the result of the verification back to the vendor once the verification has been reviewed."}},
	Run: func(ctx context.Context, s *harness.Session) *harness.Failure {
		d := must(s.NewDelivery("veriff/decision/approved"))
		for _, path := range [][]string{{"conformFutureField"}, {"verification", "riskLabels"}, {"verification", "person", "middleName"}} {
			if err := d.Doc.Set(jsontree.Str("added by conform: providers add fields over time"), path...); err != nil {
				panic(err)
			}
		}
		return accepted(s, s.Deliver(ctx, d), "a decision with unknown extra fields")
	},
})
