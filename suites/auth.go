package suites

import (
	"context"

	"github.com/conform-kit/conform/harness"
)

// Auth: Veriff sends the integrator's API key in X-AUTH-CLIENT on every
// webhook. Shufti Pro callbacks carry no API key, so these checks quote no
// Shufti rule and do not exist for it.

// wrongAPIKey is well formed (a UUID, like real keys), so a listener that
// only checks the key's shape does not pass.
const wrongAPIKey = "0b6f1c9d-4a10-4e7a-9c1b-93f48e0d2b6f"

var _ = registry.Define(harness.Check{
	Area: "auth", Name: "wrong-api-key", Severity: harness.MUST, Rejects: true,
	Title: "a correctly signed delivery with a different API key is rejected, on every webhook URL",
	Rules: map[string]harness.Rule{
		"veriff": {Section: "Testing security", Quote: "Decision webhook with wrong API key should not be accepted"},
	},
	Run: func(ctx context.Context, s *harness.Session) *harness.Failure {
		return eachEndpoint(s, func(kind string, d *harness.Delivery) *harness.Failure {
			req := withHeader(s.Signed(kind, d.Body()), s.Provider.APIKeyHeader, ptr(wrongAPIKey))
			return rejected(s.Send(ctx, req), "a "+kind+" delivery whose "+s.Provider.APIKeyHeader+" is not your API key",
				"compare "+s.Provider.APIKeyHeader+" with your API key first and answer 401 when it differs (Handling security: \"compare the X-AUTH-CLIENT header to your api key, if different -> fail with error\")")
		})
	},
})

var _ = registry.Define(harness.Check{
	Area: "auth", Name: "missing-api-key", Severity: harness.MUST, Rejects: true,
	Title: "a correctly signed delivery without the API key header is rejected, on every webhook URL",
	Rules: map[string]harness.Rule{
		"veriff": {Section: "Handling security", Quote: "compare the X-AUTH-CLIENT header to your api key, if different -> fail with error"},
	},
	Run: func(ctx context.Context, s *harness.Session) *harness.Failure {
		return eachEndpoint(s, func(kind string, d *harness.Delivery) *harness.Failure {
			req := withHeader(s.Signed(kind, d.Body()), s.Provider.APIKeyHeader, nil)
			return rejected(s.Send(ctx, req), "a "+kind+" delivery without "+s.Provider.APIKeyHeader,
				"a missing "+s.Provider.APIKeyHeader+" is a different key: answer 401")
		})
	},
})

var _ = registry.Define(harness.Check{
	Area: "auth", Name: "no-credentials", Severity: harness.MUST, Rejects: true,
	Title: "a delivery with neither the API key nor a signature is rejected, on every webhook URL (no health-ping shortcut)",
	Rules: map[string]harness.Rule{
		"veriff": {Section: "Handling security", Quote: "check the X-AUTH-CLIENT and X-SIGNATURE headers on the decision webhook"},
	},
	Run: func(ctx context.Context, s *harness.Session) *harness.Failure {
		return eachEndpoint(s, func(kind string, d *harness.Delivery) *harness.Failure {
			req := withHeader(withHeader(s.Signed(kind, d.Body()), s.Provider.APIKeyHeader, nil), s.Profile.Header, nil)
			return rejected(s.Send(ctx, req), "a "+kind+" delivery with no "+s.Provider.APIKeyHeader+" and no "+s.Profile.Header,
				"authenticate every request that reaches the handler; a request without credentials is not a health check to wave through")
		})
	},
})
