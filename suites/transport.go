package suites

import (
	"context"
	"fmt"
	"net/http"

	"github.com/conform-kit/conform/harness"
)

// Transport checks run first: if a listener dies after its first delivery
// (the document's own sample listener calls process.exit() after one
// webhook), the verdict belongs here, not to whichever check came next.

var _ = registry.Define(harness.Check{
	Area: "transport", Name: "keeps-serving", Severity: harness.MUST,
	Title: "the listener answers three deliveries in a row, each on its own session",
	Rules: map[string]harness.Rule{
		"veriff":    veriffRetry,
		"shuftipro": {Section: "Verification Response", Quote: "Callback response will be sent on the callback_url provided in the request callback_url parameter."},
	},
	Run: func(ctx context.Context, s *harness.Session) *harness.Failure {
		var sent []*harness.Exchange
		for i := 1; i <= 3; i++ {
			ex := s.Deliver(ctx, baseline(s))
			if !ex.Answered() {
				fix := "the listener must keep serving after a delivery: do not exit, close the socket or stop the server after handling a webhook"
				if i == 1 {
					fix = "the listener did not answer a correctly signed delivery at all: make the webhook handler answer (it may hang on a lock, a full worker pool or a slow downstream call)"
				}
				return &harness.Failure{
					Expected: fmt.Sprintf("an HTTP answer to delivery %d of 3", i),
					Actual:   harness.DescribeOutcome(ex),
					Fix:      fix,
					Exchange: ex, Sent: sent,
				}
			}
			sent = append(sent, ex)
		}
		return nil
	},
})

var _ = registry.Define(harness.Check{
	Area: "transport", Name: "answers-within-budget", Severity: harness.MUST,
	Title: "a delivery is answered within the time budget (--budget)",
	Rules: map[string]harness.Rule{
		"veriff":    veriffRetry,
		"shuftipro": {Section: "HTTP Status Codes", Quote: "524 Timeout from Cloudflare Unofficial Server Error"},
	},
	Run: func(ctx context.Context, s *harness.Session) *harness.Failure {
		ex := s.Deliver(ctx, baseline(s))
		if ex.Answered() && ex.Elapsed <= s.Budget {
			return nil
		}
		return &harness.Failure{
			Expected: fmt.Sprintf("an answer within %s", s.Budget),
			Actual:   harness.DescribeOutcome(ex),
			Fix:      "answer first, work later: store the delivery and acknowledge it, then process it in the background; a slow answer is a failed delivery to the provider, which retries it",
			Exchange: ex,
		}
	},
})

var _ = registry.Define(harness.Check{
	Area: "transport", Name: "exactly-200", Severity: harness.SHOULD, NeedsAcceptance: true,
	Title: "an accepted delivery is acknowledged with exactly 200, not another 2xx",
	Rules: map[string]harness.Rule{"veriff": veriffRetry},
	Run: func(ctx context.Context, s *harness.Session) *harness.Failure {
		ex := s.Deliver(ctx, baseline(s))
		if ex.Status() == http.StatusOK {
			return nil
		}
		return &harness.Failure{
			Expected: "200 OK",
			Actual:   harness.DescribeOutcome(ex),
			Fix:      "answer exactly 200: the provider treats any non-200 answer as a failed delivery and retries it for up to a week",
			Exchange: ex,
		}
	},
})

var _ = registry.Define(harness.Check{
	Area: "transport", Name: "wrong-method", Severity: harness.SHOULD, Rejects: true,
	Title: "a GET to the webhook URL is refused with 4xx (405 is best)",
	Rules: map[string]harness.Rule{
		"veriff":    {Section: "/webhooks /decision (POST)", Quote: "This endpoint specifies how the asynchronous response to the notification url looks like."},
		"shuftipro": {Section: "Responses", Quote: "Both HTTP and callback responses will be in JSON format with a header."},
	},
	Run: func(ctx context.Context, s *harness.Session) *harness.Failure {
		kind := s.Provider.Kinds[baseline(s).Kind]
		ex := s.Send(ctx, &harness.Request{Method: http.MethodGet, URL: s.URLs[kind.Endpoint], Header: http.Header{}})
		return rejected(ex, "a GET to the webhook URL", "webhooks are POSTed; route only POST to the handler and answer 405 Method Not Allowed to other methods")
	},
})

var _ = registry.Define(harness.Check{
	Area: "transport", Name: "content-type", Severity: harness.SHOULD, Rejects: true,
	Title: "a correctly signed delivery with Content-Type text/plain is refused with 4xx (415 is best)",
	Rules: map[string]harness.Rule{
		"veriff":    {Section: "API Reference", Quote: "CONTENT-TYPE: string (required) - Type for the request: (application/json)"},
		"shuftipro": {Section: "Response Signature", Quote: "Every HTTP and Callback response will be in application/JSON with a key Signature in the header."},
	},
	Run: func(ctx context.Context, s *harness.Session) *harness.Failure {
		d := baseline(s)
		req := withHeader(s.Signed(d.Kind, d.Body()), "Content-Type", ptr("text/plain"))
		return rejected(s.Send(ctx, req), "a delivery with Content-Type text/plain", "the provider always sends application/json; answer 415 Unsupported Media Type to anything else")
	},
})
