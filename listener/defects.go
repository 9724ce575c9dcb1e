package listener

import (
	"fmt"
	"slices"
	"strings"
)

// Defect is one bug a real integration has, built into a listener on purpose
// so that conform's own tests can prove each conformance check catches it.
type Defect struct {
	// Name is the stable identifier passed in Config.Defect.
	Name string
	// Label is the conformance label whose checks must fail against it.
	Label string
	// Description says what the listener does wrong and where the bug comes from.
	Description string
	// Providers lists the providers the defect can exist for.
	Providers []string
}

// Defect names. They are part of the package's interface: the lead's harness
// tests and `conform demo` refer to them.
const (
	NoAPIKeyCheck            = "no-api-key-check"
	AcceptEverything         = "accept-everything"
	NoSignatureCheck         = "no-signature-check"
	MissingSignatureAccepted = "missing-signature-accepted"
	MissingSignature500      = "missing-signature-500"
	ReserializedBody         = "reserialized-body"
	ReserializedGo           = "reserialized-go"
	TrimsBody                = "trims-body"
	NormalizesCRLF           = "normalizes-crlf"
	EventsUnverified         = "events-unverified"
	UnauthenticatedPing      = "unauthenticated-ping"
	DiesAfterInvalidJSON     = "dies-after-invalid-json"
	UnknownFieldsRejected    = "unknown-fields-rejected"
	ParseBeforeVerify        = "parse-before-verify"
	PrefixCompare            = "prefix-compare"
	SecretPrepended          = "secret-prepended"
	WrongFormula             = "wrong-formula"
	CrashOnInvalidJSON       = "crash-on-invalid-json"
	ServerErrorOnInvalidJSON = "5xx-on-invalid-json"
	UnknownStatusRejected    = "unknown-status-rejected"
	UnknownEventRejected     = "unknown-event-rejected"
	EventsRejected           = "events-rejected"
	DuplicateRejected        = "duplicate-rejected"
	OutOfOrderRejected       = "out-of-order-rejected"
	ExpiredRejected          = "expired-rejected"
	ExitsAfterFirstWebhook   = "exits-after-first-webhook"
	Slow                     = "slow"
	Non200Success            = "non-200-success"
	AcceptsAnyContentType    = "accepts-any-content-type"
	WrongMethodAccepted      = "wrong-method-accepted"
)

const (
	providerVeriff = "veriff"
	providerShufti = "shuftipro"
	labelAuth      = "auth"
	labelSignature = "signature"
)

var both = []string{providerVeriff, providerShufti}

// defects is the catalogue, in the order Defects reports it: security first,
// then robustness, then payload handling, then transport.
var defects = []Defect{
	{NoAPIKeyCheck, labelAuth,
		`verifies the signature but never compares X-AUTH-CLIENT to the API key ("Testing security": "Decision webhook with wrong API key should not be accepted")`,
		[]string{providerVeriff}},
	{AcceptEverything, labelSignature,
		"answers 200 {\"status\":\"success\"} to every request: no method, content-type, key, signature or JSON check at all",
		both},
	{NoSignatureCheck, labelSignature,
		"checks X-AUTH-CLIENT (Veriff) but never verifies the signature header; otherwise correct",
		both},
	{MissingSignatureAccepted, labelSignature,
		"verifies the signature only when the header is present: a request without it is accepted",
		both},
	{MissingSignature500, labelSignature,
		"answers 500 when the signature header is absent, like the Veriff document's sample validator, whose signature.toLowerCase() throws on a missing header and Express turns that into a 500",
		both},
	{ReserializedBody, labelSignature,
		"parses the JSON and verifies the signature over its compact re-serialization (JavaScript's JSON.stringify) instead of the raw bytes, like the Veriff document's Node sample (bodyParser.json() then JSON.stringify(req.body)); bodies that are not JSON are verified raw",
		both},
	{ReserializedGo, labelSignature,
		"verifies the signature over Go's re-serialization of the body (json.Unmarshal into a map, then json.Marshal: keys sorted, no \\/ escapes, non-ASCII literal) instead of the raw bytes",
		both},
	{TrimsBody, labelSignature,
		"trims white space from the body (strip()/trim()) before verifying the signature, so a body ending in a newline never verifies",
		both},
	{NormalizesCRLF, labelSignature,
		"turns CRLF line ends into LF before verifying the signature (a text-mode read or a normalizing proxy)",
		both},
	{EventsUnverified, labelSignature,
		"checks the API key and signature on the decision URL only: the event URL's handler accepts anything",
		[]string{providerVeriff}},
	{UnauthenticatedPing, labelAuth,
		"treats a request with neither X-AUTH-CLIENT nor a signature as a health ping and answers 200",
		[]string{providerVeriff}},
	{ParseBeforeVerify, labelSignature,
		`parses the body before verifying it and answers 400 to invalid, empty or non-object JSON whatever its signature ("Handling security": "only now you should parse the request body JSON object")`,
		both},
	{PrefixCompare, labelSignature,
		"accepts any non-empty signature that is a prefix of the expected hex digest (strings.HasPrefix(expected, got)), so a truncated signature passes",
		both},
	{SecretPrepended, labelSignature,
		"computes hex(sha256(secret || body)) instead of the profile's formula",
		both},
	{WrongFormula, labelSignature,
		"verifies with the provider's other signing profile (veriff-x-signature <-> veriff-hmac, shuftipro <-> shuftipro-legacy), read from the profile's own header",
		both},
	{CrashOnInvalidJSON, "invalid-json",
		`the server "exits" on a correctly signed body that is not valid JSON: the listener and every connection close, nothing answers again ("Testing security": "Decision with invalid JSON should not break or crash your server")`,
		both},
	{ServerErrorOnInvalidJSON, "invalid-json",
		"answers 500 instead of 400 to a correctly signed body that is not valid JSON",
		both},
	{UnknownStatusRejected, "decisions",
		`accepts only the document's decision values (status approved/declined/resubmission_requested/expired/abandoned, code 9001/9102/9103/9104/9151) and answers 400 to anything else, e.g. review/9121 or 9161; providers add values over time`,
		[]string{providerVeriff}},
	{UnknownEventRejected, "events",
		"accepts only verification.accepted and verification.declined callbacks and answers 400 to every other event (request.pending, review.pending, ...)",
		[]string{providerShufti}},
	{EventsRejected, "events",
		"serves only the decision URL: event webhooks (started 7001, submitted 7002) posted to the event URL get 404",
		[]string{providerVeriff}},
	{DuplicateRejected, "duplicates",
		"answers 409 to a second identical delivery instead of acknowledging it again (Veriff retries deliveries)",
		both},
	{OutOfOrderRejected, "duplicates",
		"answers 409 to deliveries that arrive out of order: Veriff, an event for a session that already has a decision or a decision whose decisionTime is older than the session's last one; Shufti, a different event for a reference that already had verification.accepted or verification.declined",
		both},
	{UnknownFieldsRejected, "decisions",
		"decodes decisions strictly into the fields the document lists (Go's json.Decoder.DisallowUnknownFields) and answers 400 to any other field; providers add fields over time",
		[]string{providerVeriff}},
	{ExpiredRejected, "expiry",
		"answers 400 to expired and abandoned decisions (code 9104), treating them as errors instead of sessions to replace",
		[]string{providerVeriff}},
	{DiesAfterInvalidJSON, "liveness",
		"answers 400 to a correctly signed body that is not valid JSON, then \"exits\" once it has been idle for Config.LateDelay (default 150ms), like a crash in background work: an immediate probe still sees it alive",
		both},
	{ExitsAfterFirstWebhook, "transport",
		"answers the first accepted webhook, then \"exits\" like the Veriff document's sample listener (res.json(...); process.exit()): later connections are refused",
		both},
	{Slow, "transport",
		"answers correctly but only after a delay (Config.SlowDelay, default 3s)",
		both},
	{Non200Success, "transport",
		`acknowledges accepted webhooks with 202 instead of 200 (Veriff, "Configuring the webhook endpoint", retries on "any non-200 response code"; the Shufti Pro document sets no such rule, so the defect is Veriff's only)`,
		[]string{providerVeriff}},
	{AcceptsAnyContentType, "transport",
		"skips the Content-Type check: a body sent as text/plain (or with none) is processed instead of getting 415",
		both},
	{WrongMethodAccepted, "transport",
		"answers 200 to GET (any method other than POST) instead of 405",
		both},
}

// Defects returns every defect, in a stable order.
func Defects() []Defect {
	out := make([]Defect, len(defects))
	for i, d := range defects {
		d.Providers = slices.Clone(d.Providers)
		out[i] = d
	}
	return out
}

// DefectsFor returns the defects that exist for one provider, in Defects order.
func DefectsFor(provider string) []Defect {
	var out []Defect
	for _, d := range Defects() {
		if slices.Contains(d.Providers, provider) {
			out = append(out, d)
		}
	}
	return out
}

// lookupDefect finds a defect and checks it exists for provider.
func lookupDefect(name, provider string) (Defect, error) {
	for _, d := range defects {
		if d.Name != name {
			continue
		}
		if !slices.Contains(d.Providers, provider) {
			return Defect{}, fmt.Errorf("defect %q does not exist for provider %s (only %s)", name, provider, strings.Join(d.Providers, ", "))
		}
		return d, nil
	}
	names := make([]string, len(defects))
	for i, d := range defects {
		names[i] = d.Name
	}
	return Defect{}, fmt.Errorf("unknown defect %q (known: %s)", name, strings.Join(names, ", "))
}
