package suites

import (
	"context"

	"github.com/conform-kit/conform/harness"
)

// Auth: Veriff sends the integrator's API key in X-AUTH-CLIENT on every
// webhook. Shufti Pro callbacks carry no API key, so these checks quote no
// Shufti rule and do not exist for it.

const wrongAPIKey = "00000000-conform-wrong-api-key"

var _ = registry.Define(harness.Check{
	Area: "auth", Name: "wrong-api-key", Severity: harness.MUST,
	Title: "a correctly signed delivery with a different API key is rejected",
	Rules: map[string]harness.Rule{
		"veriff": {Section: "Testing security", Quote: "Decision webhook with wrong API key should not be accepted"},
	},
	Run: func(ctx context.Context, s *harness.Session) *harness.Failure {
		d := baseline(s)
		req := withHeader(s.Signed(d.Kind, d.Body()), s.Provider.APIKeyHeader, ptr(wrongAPIKey))
		return rejected(s.Send(ctx, req), "a delivery whose "+s.Provider.APIKeyHeader+" is not your API key",
			"compare "+s.Provider.APIKeyHeader+" with your API key first and answer 401 when it differs (Handling security: \"compare the X-AUTH-CLIENT header to your api key, if different -> fail with error\")")
	},
})

var _ = registry.Define(harness.Check{
	Area: "auth", Name: "missing-api-key", Severity: harness.MUST,
	Title: "a correctly signed delivery without the API key header is rejected",
	Rules: map[string]harness.Rule{
		"veriff": {Section: "Handling security", Quote: "compare the X-AUTH-CLIENT header to your api key, if different -> fail with error"},
	},
	Run: func(ctx context.Context, s *harness.Session) *harness.Failure {
		d := baseline(s)
		req := withHeader(s.Signed(d.Kind, d.Body()), s.Provider.APIKeyHeader, nil)
		return rejected(s.Send(ctx, req), "a delivery without "+s.Provider.APIKeyHeader,
			"a missing "+s.Provider.APIKeyHeader+" is a different key: answer 401")
	},
})
