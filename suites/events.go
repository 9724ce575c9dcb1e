package suites

import (
	"github.com/conform-kit/conform/harness"
)

// Events: Veriff posts progress events to the separate event URL; Shufti Pro
// posts every event of its events table marked "Callback Response: Yes" to
// the callback URL. Each must be accepted.

var _ = registry.Define(harness.Check{
	Area: "events", Name: "started-7001", Severity: harness.MUST, NeedsAcceptance: true,
	Title: "a started event (7001) on the event URL is accepted",
	Rules: map[string]harness.Rule{"veriff": {Section: "/webhooks /events (POST)", Quote: "7001 | Started."}},
	Run:   acceptsFixture("veriff/event/started"),
})

var _ = registry.Define(harness.Check{
	Area: "events", Name: "submitted-7002", Severity: harness.MUST, NeedsAcceptance: true,
	Title: "a submitted event (7002) on the event URL is accepted",
	Rules: map[string]harness.Rule{"veriff": {Section: "/webhooks /events (POST)", Quote: "7002 | Submitted."}},
	Run:   acceptsFixture("veriff/event/submitted"),
})

// shuftiEvent declares the check for one Shufti Pro callback event, quoting
// its row of the events table.
func shuftiEvent(name, event, quote string) harness.Check {
	return harness.Check{
		Area: "events", Name: name, Severity: harness.MUST, NeedsAcceptance: true,
		Title: "a " + event + " callback is accepted",
		Rules: map[string]harness.Rule{"shuftipro": {Section: "Response Events", Quote: quote}},
		Run:   acceptsFixture("shuftipro/callback/" + event),
	}
}

var _ = registry.Define(shuftiEvent("request-pending", "request.pending", "request.pending Request parameters are valid and verification url is generated in case of on-site verification. Yes Yes"))
var _ = registry.Define(shuftiEvent("verification-cancelled", "verification.cancelled", "verification.cancelled Request is cancelled by the user. … Yes Yes"))
var _ = registry.Define(shuftiEvent("request-timeout", "request.timeout", "request.timeout Request has timed out after a specific period of time. The onsite request will Time Out after 60 minutes. No Yes"))
var _ = registry.Define(shuftiEvent("verification-accepted", "verification.accepted", "verification.accepted Request was valid and accepted after verification. Yes Yes"))
var _ = registry.Define(shuftiEvent("verification-declined", "verification.declined", "verification.declined Request was valid and declined after verification. Yes Yes"))
var _ = registry.Define(shuftiEvent("verification-status-changed", "verification.status.changed", "verification.status.changed Request status has been updated. No Yes"))
var _ = registry.Define(shuftiEvent("request-deleted", "request.deleted", "request.deleted Request has been deleted. Yes Yes"))
var _ = registry.Define(shuftiEvent("request-received", "request.received", "request.received Request has been received. Yes Yes"))
var _ = registry.Define(shuftiEvent("review-pending", "review.pending", "review.pending Documents are collected and request is pending for client to review and Accept/Decline. Yes Yes"))
