package mock

// Rules are the sentences of the provider documents a client request can
// break. The client contract report names each broken rule with its document,
// section and verbatim quote, the way the listener suites do, so a finding
// traces back to the sentence that demands it. rules_test.go proves every
// quote is in its document.

const (
	veriffDoc = "veriff-api-v1-docs.txt"
	shuftiDoc = "shuftipro-responses-docs.txt"
	readmeDoc = "shared/providers/README.md"
	// mockDoc marks limits of the mock itself: not a provider rule, but a
	// request the mock refused and the report must still explain.
	mockDoc = "conform mock"
)

// Rule is one requirement a client request must meet.
type Rule struct {
	ID       string `json:"id"`
	Document string `json:"document"`
	Section  string `json:"section"`
	Quote    string `json:"quote"`
}

// Rule IDs. Each names the provider and what was broken.
const (
	RuleAPIKey              = "veriff/1101-api-key"
	RuleSignatureMissing    = "veriff/signature-missing"
	RuleSignatureMismatch   = "veriff/signature-mismatch"
	RuleSignatureHMAC       = "veriff/hmac-signature"
	RuleContentType         = "veriff/content-type"
	RuleInvalidJSON         = "veriff/invalid-json"
	RuleMandatory           = "veriff/1102-mandatory-parameters"
	RuleInvalidParameters   = "veriff/1104-invalid-parameters"
	RuleQueryIDLength       = "veriff/1001-query-id-length"
	RuleQueryIDUUID         = "veriff/1002-query-id-uuid"
	RuleTimestampStale      = "veriff/1201-timestamp-stale"
	RuleTimestampFormat     = "veriff/1202-timestamp-format"
	RuleFeatures            = "veriff/1301-features"
	RuleHTTPSCallback       = "veriff/1302-https-callback"
	RuleVendorDataLength    = "veriff/1500-vendor-data-length"
	RuleVendorDataString    = "veriff/1501-vendor-data-string"
	RuleDateOfBirth         = "veriff/2003-date-of-birth"
	RuleDocumentNumber      = "veriff/2102-document-number"
	RuleDocumentType        = "veriff/2103-document-type"
	RuleDocumentCountry     = "veriff/2104-document-country"
	RuleMediaContent        = "veriff/media-content"
	RuleUnknownSession      = "veriff/unknown-session"
	RuleUnknownEndpoint     = "veriff/unknown-endpoint"
	RuleSessionExpired      = "veriff/session-expired"
	RuleSessionClosed       = "veriff/session-closed"
	RuleSessionProcessing   = "veriff/session-processing"
	RuleShuftiUnauthorized  = "shuftipro/unauthorized"
	RuleShuftiInvalid       = "shuftipro/request-invalid"
	RuleShuftiReference     = "shuftipro/unknown-reference"
	RuleShuftiEndpoint      = "shuftipro/unknown-endpoint"
	RuleLimitBody           = "mock/body-too-large"
	RuleLimitMedia          = "mock/media-too-large"
	RuleLimitSessions       = "mock/too-many-sessions"
	RuleUnknownProviderPath = "mock/unknown-path"
)

var rules = map[string]Rule{}

func init() {
	for _, r := range []Rule{
		{RuleAPIKey, veriffDoc, "Response and error codes", "1101 | Invalid Vendor API Key."},
		{RuleSignatureMissing, veriffDoc, "API Reference", "X-SIGNATURE: string (required) - Request Body signed with API Secret."},
		{RuleSignatureMismatch, veriffDoc, "API Reference", "X-Signature is a SHA-256 hex encoded hash. The stringified body is concatenated by the API Secret and then hex digested."},
		{RuleSignatureHMAC, readmeDoc, "Facts from elsewhere that the documents above do not hold", "POST/PATCH sign the request body; GET/DELETE sign the session id."},
		{RuleContentType, veriffDoc, "API Reference", "CONTENT-TYPE: string (required) - Type for the request: (application/json)"},
		{RuleInvalidJSON, veriffDoc, "Endpoints", "Media type: application/json Type: object"},
		{RuleMandatory, veriffDoc, "Response and error codes", "1102 | Mandatory parameters are missing from the request."},
		{RuleInvalidParameters, veriffDoc, "Response and error codes", "1104 | Request includes invalid parameters."},
		{RuleQueryIDLength, veriffDoc, "Response and error codes", "1001 | Query ID must be between 20 and 40 symbols."},
		{RuleQueryIDUUID, veriffDoc, "Response and error codes", "1002 | Query ID must be a valid UUID V4"},
		{RuleTimestampStale, veriffDoc, "Response and error codes", "1201 | Invalid timestamp. Timestamp must not be older than one hour."},
		{RuleTimestampFormat, veriffDoc, "Response and error codes", "1202 | Timestamp format is incorrect. YYYY-MM-DDTHH:MM:S+Timezone Offset|Z or UTC."},
		{RuleFeatures, veriffDoc, "Response and error codes", "1301 | Requested features are not supported."},
		{RuleHTTPSCallback, veriffDoc, "Response and error codes", "1302 | Only HTTPS return URLs are allowed."},
		{RuleVendorDataLength, veriffDoc, "Response and error codes", "1500 | Vendor data cannot be more than 40 symbols."},
		{RuleVendorDataString, veriffDoc, "Response and error codes", "1501 | Vendor data must be a string."},
		{RuleDateOfBirth, veriffDoc, "Response and error codes", "2003 | Date of birth is not a valid date."},
		{RuleDocumentNumber, veriffDoc, "Response and error codes", "2102 | Document number may contain only characters and numbers A-Z, 0-9."},
		{RuleDocumentType, veriffDoc, "Response and error codes", "2103 | Document type is not supported."},
		{RuleDocumentCountry, veriffDoc, "Response and error codes", "2104 | Document from provided country is not supported."},
		{RuleMediaContent, veriffDoc, "Endpoints", "content :String base64 encoded image (png|jpg|jpeg)"},
		{RuleUnknownSession, veriffDoc, "Response and error codes", "404 | `{ \"status\": \"fail\", \"message\": \"Not Found.\" }`"},
		{RuleUnknownEndpoint, veriffDoc, "Endpoints", "Available endpoints and methods:"},
		{RuleSessionExpired, veriffDoc, "Testing verification sessions checklist", "In case generated session is over 7 days old (and thus in Expired or Abandonded status)- new session is generated"},
		{RuleSessionClosed, veriffDoc, "Lifecycle of the verification session", "Responses 9001, 9102, and 9104 are conclusive responses. The session is closed and the URL is not available for the end user."},
		{RuleSessionProcessing, veriffDoc, "Lifecycle of the verification session", "Responses 9151 and 9161 are intermediate responses. The session is being processed, it is not open for the end user"},
		{RuleShuftiUnauthorized, shuftiDoc, "Response Events", "request.unauthorized Request is unauthorized. The information provided in authorization header is invalid."},
		{RuleShuftiInvalid, shuftiDoc, "Response Events", "request.invalid Request parameters provided in request are invalid."},
		{RuleShuftiReference, shuftiDoc, "Delete Request Response", "request.invalid will be returned in case of invalid reference provided or the request is already deleted."},
		{RuleShuftiEndpoint, shuftiDoc, "HTTP Status Codes", "404 Not Found Resource not found"},
		{RuleLimitBody, mockDoc, "limits", "Request bodies are capped (--max-media-bytes for media uploads); a larger body is refused with 413 and never read to the end."},
		{RuleLimitMedia, mockDoc, "limits", "An uploaded image may decode to at most --max-media-bytes; the mock keeps media in memory."},
		{RuleLimitSessions, mockDoc, "limits", "At most --max-sessions sessions are kept; the oldest finished one is evicted first, and creation is refused when every session is still open."},
		{RuleUnknownProviderPath, mockDoc, "routing", "Veriff is served under /v1/, Shufti Pro under /shuftipro/, the admin API under /_conform/, session pages under /v/ and /s/."},
	} {
		if _, dup := rules[r.ID]; dup {
			panic("mock: duplicate rule " + r.ID)
		}
		rules[r.ID] = r
	}
}

// Rules returns every rule the mock can report, keyed by ID.
func Rules() map[string]Rule {
	out := make(map[string]Rule, len(rules))
	for k, v := range rules {
		out[k] = v
	}
	return out
}

// veriffErrors are the document's failure messages ("Some Troubleshooting
// codes"), keyed by code, and the rule each code enforces.
var veriffErrors = map[string]struct{ message, rule string }{
	"1001": {"Query ID must be between 20 and 40 symbols.", RuleQueryIDLength},
	"1002": {"Query ID must be a valid UUID V4", RuleQueryIDUUID},
	"1101": {"Invalid Vendor API Key.", RuleAPIKey},
	"1102": {"Mandatory parameters are missing from the request.", RuleMandatory},
	"1104": {"Request includes invalid parameters.", RuleInvalidParameters},
	"1201": {"Invalid timestamp. Timestamp must not be older than one hour.", RuleTimestampStale},
	"1202": {"Timestamp format is incorrect. YYYY-MM-DDTHH:MM:S+Timezone Offset|Z or UTC.", RuleTimestampFormat},
	"1301": {"Requested features are not supported.", RuleFeatures},
	"1302": {"Only HTTPS return URLs are allowed.", RuleHTTPSCallback},
	"1500": {"Vendor data cannot be more than 40 symbols.", RuleVendorDataLength},
	"1501": {"Vendor data must be a string.", RuleVendorDataString},
	"2003": {"Date of birth is not a valid date.", RuleDateOfBirth},
	"2102": {"Document number may contain only characters and numbers A-Z, 0-9.", RuleDocumentNumber},
	"2103": {"Document type is not supported.", RuleDocumentType},
	"2104": {"Document from provided country is not supported.", RuleDocumentCountry},
}

// codePriority decides which code answers a request that breaks several
// rules: the document's specific codes first (a field-specific code tells the
// client exactly what to fix), then missing parameters, then the generic
// invalid-parameters code. Stable, so the same request always gets the same
// answer.
var codePriority = []string{"1001", "1002", "1202", "1201", "1302", "1500", "1501", "2003", "2102", "2103", "2104", "1301", "1102", "1104"}
