package suites

import (
	"context"
	"fmt"

	"github.com/conform-kit/conform/harness"
)

// Invalid JSON, correctly signed: only someone holding the secret can send
// it, so it tests robustness, not authentication. These checks are
// disruptive: the runner probes liveness after each, and they run last so a
// listener that crashes here blocks as few other checks as possible.

var invalidJSONRules = map[string]harness.Rule{
	"veriff":    {Section: "Testing security", Quote: "Decision with invalid JSON should not break or crash your server"},
	"shuftipro": {Section: "Responses", Quote: "Both HTTP and callback responses will be in JSON format with a header."},
}

const invalidJSONFix = "after verifying the signature, parse defensively: answer 400 to a body that is not a JSON object, never 5xx, and keep serving"

// rejectsBodies sends each body correctly signed and requires a 4xx for each.
func rejectsBodies(what string, bodies func(d *harness.Delivery) [][]byte) func(context.Context, *harness.Session) *harness.Failure {
	return func(ctx context.Context, s *harness.Session) *harness.Failure {
		return eachEndpoint(s, func(kind string, d *harness.Delivery) *harness.Failure {
			var sent []*harness.Exchange
			for _, body := range bodies(d) {
				ex := s.Send(ctx, s.Signed(kind, body))
				if f := rejected(ex, fmt.Sprintf("a correctly signed %s body that is %s (%q)", kind, what, harness.Snippet(body, 40)), invalidJSONFix); f != nil {
					f.Sent = sent
					return f
				}
				sent = append(sent, ex)
			}
			return nil
		})
	}
}

var _ = registry.Define(harness.Check{
	Area: "invalid-json", Name: "malformed", Severity: harness.MUST, Disruptive: true, Rejects: true,
	Title: "a correctly signed, truncated JSON body gets 4xx on every webhook URL and the listener keeps serving",
	Rules: invalidJSONRules,
	Run: rejectsBodies("truncated JSON", func(d *harness.Delivery) [][]byte {
		body := d.Body()
		return [][]byte{body[:len(body)/2]}
	}),
})

var _ = registry.Define(harness.Check{
	Area: "invalid-json", Name: "empty-body", Severity: harness.MUST, Disruptive: true, Rejects: true,
	Title: "a correctly signed empty body gets 4xx and the listener keeps serving",
	Rules: invalidJSONRules,
	Run:   rejectsBodies("empty", func(*harness.Delivery) [][]byte { return [][]byte{{}} }),
})

var _ = registry.Define(harness.Check{
	Area: "invalid-json", Name: "not-an-object", Severity: harness.MUST, Disruptive: true, Rejects: true,
	Title: "correctly signed JSON that is not an object (array, string, number, null) gets 4xx",
	Rules: invalidJSONRules,
	Run: rejectsBodies("valid JSON but not an object", func(*harness.Delivery) [][]byte {
		return [][]byte{[]byte(`[]`), []byte(`"success"`), []byte(`9001`), []byte(`null`)}
	}),
})
