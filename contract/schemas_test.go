package contract

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// Valid samples: our own invented data, one per schema. Each invalid case
// below is one of these with exactly one thing broken.
var validSamples = map[string]string{
	"common": `{}`,

	"veriff/session-create-request": `{"verification":{
		"callback":"https://shop.conform.test/kyc/done",
		"person":{"firstName":"Åsa","lastName":"Lindqvist","idNumber":"19880412-1234","gender":"F"},
		"document":{"number":"AB1234567","type":"PASSPORT","country":"SE"},
		"additionalData":{"citizenship":"SE","newsletter":false},
		"vendorData":"cust-0042","lang":"sv","features":["selfid"],
		"timestamp":"2025-02-11T10:00:00.000Z"}}`,
	"veriff/session-create-response": `{"status":"success","verification":{
		"id":"3b2f9a1e-7c4d-4e8a-9f10-2a6b5c8d7e01","url":"https://magic.veriff.me/v/tok3n",
		"sessionToken":"tok3n","baseUrl":"https://magic.veriff.me","aFieldAddedLater":true}}`,
	"veriff/session-patch-request": `{"verification":{"status":"submitted","frontState":"done","timestamp":"2025-02-11T10:05:00+02:00"}}`,
	"veriff/session-patch-response": `{"status":"success","verification":{
		"id":"3b2f9a1e-7c4d-4e8a-9f10-2a6b5c8d7e01","url":"https://front.veriff.me/v/tok3n","vendorData":"cust-0042",
		"host":"https://front.veriff.me","status":"submitted","sessionToken":"tok3n"}}`,
	"veriff/media-upload-request": `{"image":{"context":"document-front","content":"data:image/png;base64,iVBORw0KGgo=","timestamp":"2025-02-11T10:02:00Z"}}`,
	"veriff/media-upload-response": `{"status":"success","image":{
		"id":"8f5a2c3d-1e4b-4a6c-b7d8-9e0f1a2b3c4d","name":"document-front.jpg",
		"timestamp":{"url":"https://magic.veriff.me/v1/timestamps/5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a","id":"5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"},
		"size":48211,"mimetype":"image/jpeg","url":"https://magic.veriff.me/v1/media/8f5a2c3d-1e4b-4a6c-b7d8-9e0f1a2b3c4d"}}`,
	"veriff/media-list-response": `{"status":"success",
		"videos":[{"id":"0a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d","name":"selfid_video","duration":"14","url":"https://magic.veriff.me/v1/media/0a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d","size":"2048",
			"timestamp":{"url":"https://magic.veriff.me/v1/timestamps/1b2c3d4e-5f6a-4b8c-9d0e-1f2a3b4c5d6e","id":"1b2c3d4e-5f6a-4b8c-9d0e-1f2a3b4c5d6e"},"mimetype":"video/mp4"}],
		"images":[{"id":"2c3d4e5f-6a7b-4c9d-8e1f-2a3b4c5d6e7f","name":"face","url":"https://magic.veriff.me/v1/media/2c3d4e5f-6a7b-4c9d-8e1f-2a3b4c5d6e7f","size":311,
			"timestamp":{"url":"https://magic.veriff.me/v1/timestamps/3d4e5f6a-7b8c-4d0e-9f2a-3b4c5d6e7f80","id":"3d4e5f6a-7b8c-4d0e-9f2a-3b4c5d6e7f80"}}]}`,
	"veriff/person-response": `{"status":"success","person":{"id":"4e5f6a7b-8c9d-4e1f-8a3b-4c5d6e7f8091","firstName":"Zoë","lastName":"Ødegård",
		"idCode":"01079012345","dateOfBirth":"1990-07-01","gender":"F","nationality":"NO","placeOfBirth":"NO",
		"citizenships":[{"kind":"Main","citizenship":"Norway"}],
		"pepSanctionMatches":[{"numberOfMatches":1,"date":"2025-02-11T10:20:00.154Z","matches":[{"name":"Z. Odegard","nationality":"NO","category":"PEP"}]}]}}`,
	"veriff/attempts-response": `{"status":"success","verifications":[
		{"id":"5f6a7b8c-9d0e-4f2a-9b4c-5d6e7f8091a2","status":"approved"},
		{"id":"6a7b8c9d-0e1f-4a3b-8c5d-6e7f8091a2b3","status":"resubmission_requested"}]}`,
	"veriff/decision": `{"id":"7b8c9d0e-1f2a-4b4c-9d6e-7f8091a2b3c4","status":"approved","code":9001,"reason":null,"reasonCode":null}`,
	"veriff/decision-webhook": `{"status":"success","verification":{
		"id":"7b8c9d0e-1f2a-4b4c-9d6e-7f8091a2b3c4","status":"approved","code":9001,"reason":null,"reasonCode":null,
		"person":{"firstName":"Siobhán","lastName":"O'Connor","idNumber":null,"citizenship":"IE","dateOfBirth":"1984-03-17","nationality":null,"pepSanctionMatch":null,"gender":"F"},
		"document":{"number":"PX1234567","type":"DRIVERS_LICENCE","country":"IE","validFrom":null,"validUntil":"2030-01-31"},
		"comments":[{"type":"General Comment","comment":"Glare on the document photo.","timestamp":"2025-02-11T10:20:00.009Z"}],
		"additionalVerifiedData":{},"vendorData":"cust-0042","highRisk":null,
		"decisionTime":"2025-02-11T10:21:40.318Z","acceptanceTime":"2025-02-11T10:16:12.000Z"},
		"technicalData":{"ip":"198.51.100.7"}}`,
	"veriff/decision-response":   `{"status":"success","verification":null}`,
	"veriff/event-webhook":       `{"id":"7b8c9d0e-1f2a-4b4c-9d6e-7f8091a2b3c4","attemptId":"8c9d0e1f-2a3b-4c5d-8e7f-8091a2b3c4d5","feature":"selfid","code":7001,"action":"started"}`,
	"veriff/timestamps-response": `{"status":"success","timestamps":[{"id":"9d0e1f2a-3b4c-4d6e-9f80-91a2b3c4d5e6","url":"https://tsa.conform.test/ts/9d0e","context":"document-front"}]}`,
	"veriff/timestamp-response":  `{"status":"success","timestamp":{"id":"9d0e1f2a-3b4c-4d6e-9f80-91a2b3c4d5e6","context":"face","signature":"c2lnbmF0dXJl","dataHash":{"algorithm":"SHA-256","value":"ab12cd34"}}}`,
	"veriff/error":               `{"status":"fail","code":"1102","message":"Mandatory parameters are missing from the request."}`,

	"shuftipro/response": `{"reference":"ref-ZX81","event":"verification.accepted","token":"t0k",
		"verification_result":{"face":1,"document":{"document":1,"document_visibility":null}},
		"verification_data":{"document":{"name":{"first_name":"Kübra","last_name":"Yılmaz"},"dob":"1993-09-09","face_match_confidence":70}},
		"info":{"agent":{"is_desktop":true,"is_phone":false},"geolocation":{"ip":"203.0.113.5","country_code":"TR","latitude":"41.0082","longitude":"28.9784"}},
		"additional_data":{"document":{"proof":{"nationality":"TUR","face":"10,20,110,160"}}}}`,
	"shuftipro/callback":            `{"reference":"ref-ZX81","event":"request.timeout"}`,
	"shuftipro/status-request":      `{"reference":"ref-ZX81"}`,
	"shuftipro/status-response":     `{"reference":"ref-ZX81","event":"request.pending","country":null,"proofs":{"face":{"proof":"https://ns.shuftipro.com/api/pea/x1"},"access_token":"abc"}}`,
	"shuftipro/delete-request":      `{"reference":"ref-ZX81","comment":"customer asked for erasure"}`,
	"shuftipro/delete-response":     `{"reference":"ref-ZX81","event":"request.deleted"}`,
	"shuftipro/verification-result": `{"face":1,"background_checks":0,"document":{"document":1,"issue_date":null}}`,
	"shuftipro/verification-data": `{"face":{"duplicate_account_detected":null},"document":{"dob":"1993-09-09","age":31,"selected_type":["id_card"],"face_match_confidence":100},
		"address":{"full_address":"Rua Augusta 1, Lisboa","selected_type":["utility_bill"]},"background_checks":{"dob":"1993-09-09","name":{"first_name":"Kübra"}}}`,
	"shuftipro/info":            `{"agent":{"is_desktop":false,"is_phone":true,"useragent":"Mozilla/5.0"},"geolocation":{"ip":"2001:db8::5","country_code":"PT","latitude":"-38.7","longitude":"9"}}`,
	"shuftipro/additional-data": `{"document":{"proof":{"gender":"F","nationality":"PRT","signature":"335,300,435,400"}}}`,
	"shuftipro/declined-codes":  `["SPDR01","SPDR19"]`,
}

type invalidCase struct {
	name    string
	schema  string
	edit    func(doc any) any // returns the broken document
	pointer string
	rule    string
}

func TestEverySchemaAcceptsItsValidSample(t *testing.T) {
	c := loadRepo(t)
	for _, name := range c.Schemas() {
		sample, ok := validSamples[name]
		if !ok {
			t.Errorf("%s: no valid sample in validSamples (every schema needs one)", name)
			continue
		}
		res, err := c.Validate(name, []byte(sample))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !res.Valid() {
			t.Errorf("%s: valid sample rejected: %v", name, res.Errors)
		}
	}
}

// More valid variants: each a document rule the schemas must not reject.
func TestSchemasAcceptDocumentedVariants(t *testing.T) {
	c := loadRepo(t)
	cases := []struct{ name, schema, doc string }{
		{"401 form has no code", "veriff/error", `{"status":"fail","message":"Not Authorized."}`},
		{"404 form has no code", "veriff/error", `{"status":"fail","message":"Not Found."}`},
		{"error code as a JSON number", "veriff/error", `{"status":"fail","code":1302,"message":"Only HTTPS return URLs are allowed."}`},
		{"decision response with a decision", "veriff/decision-response", `{"status":"success","verification":{"id":"7b8c9d0e-1f2a-4b4c-9d6e-7f8091a2b3c4","status":"declined","code":9102,"reasonCode":106}}`},
		{"resubmission with a 2xx reason", "veriff/decision", `{"id":"7b8c9d0e-1f2a-4b4c-9d6e-7f8091a2b3c4","status":"resubmission_requested","code":9103,"reasonCode":207}`},
		{"9104 abandoned", "veriff/decision", `{"id":"7b8c9d0e-1f2a-4b4c-9d6e-7f8091a2b3c4","status":"abandoned","code":9104}`},
		{"9121 review", "veriff/decision", `{"id":"7b8c9d0e-1f2a-4b4c-9d6e-7f8091a2b3c4","status":"review","code":9121}`},
		{"9161 intermediate", "veriff/decision", `{"id":"7b8c9d0e-1f2a-4b4c-9d6e-7f8091a2b3c4","status":"approved","code":9161}`},
		{"DRIVERS_LICENSE spelling from the provider", "veriff/decision", `{"id":"7b8c9d0e-1f2a-4b4c-9d6e-7f8091a2b3c4","status":"approved","code":9001,"document":{"type":"DRIVERS_LICENSE"}}`},
		{"technicalData inside verification", "veriff/decision-webhook", `{"status":"success","verification":{"id":"7b8c9d0e-1f2a-4b4c-9d6e-7f8091a2b3c4","status":"approved","code":9001,"technicalData":{"ip":"192.0.2.1"}}}`},
		{"event 7002 submitted", "veriff/event-webhook", `{"id":"7b8c9d0e-1f2a-4b4c-9d6e-7f8091a2b3c4","attemptId":"8c9d0e1f-2a3b-4c5d-8e7f-8091a2b3c4d5","feature":"selfid","code":7002,"action":"submitted","vendorData":null}`},
		{"shufti declined with codes", "shuftipro/callback", `{"reference":"r1","event":"verification.declined","verification_result":{"face":0},"verification_data":{},"info":{},"additional_data":{},"declined_reason":"Face mismatch","declined_codes":["SPDR10"],"services_declined_codes":{"face":["SPDR10"]}}`},
		{"shufti request.invalid over HTTP", "shuftipro/status-response", `{"reference":"r1","event":"request.invalid","error":{"key":"reference","message":"missing"}}`},
		{"shufti delete of an unknown reference", "shuftipro/delete-response", `{"reference":"r1","event":"request.invalid","error":"reference not found"}`},
		{"shufti status.changed callback", "shuftipro/callback", `{"reference":"r1","event":"verification.status.changed"}`},
		{"media upload without data URI prefix", "veriff/media-upload-request", `{"image":{"context":"face","content":"/9j/4AAQSkZJRg==","timestamp":"2025-02-11T10:02:00Z"}}`},
	}
	for _, tc := range cases {
		res, err := c.Validate(tc.schema, []byte(tc.doc))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !res.Valid() {
			t.Errorf("%s (%s): rejected: %v", tc.name, tc.schema, res.Errors)
		}
	}
}

func TestSchemasRejectTargetedViolations(t *testing.T) {
	c := loadRepo(t)
	cases := []invalidCase{
		// Veriff requests (closed).
		{"timestamp is required", "veriff/session-create-request", del("/verification/timestamp"), "/verification/timestamp", "required"},
		{"request spells DRIVERS_LICENSE", "veriff/session-create-request", set("/verification/document/type", "DRIVERS_LICENCE"), "/verification/document/type", "enum"},
		{"callback must be HTTPS (1302)", "veriff/session-create-request", set("/verification/callback", "http://shop.conform.test/kyc"), "/verification/callback", "pattern"},
		{"vendorData max 40 (1500)", "veriff/session-create-request", set("/verification/vendorData", strings.Repeat("x", 41)), "/verification/vendorData", "maxLength"},
		{"vendorData must be a string (1501)", "veriff/session-create-request", set("/verification/vendorData", 42.0), "/verification/vendorData", "type"},
		{"unknown request property", "veriff/session-create-request", set("/verification/colour", "blue"), "/verification/colour", "additionalProperties"},
		{"bad request timestamp (1202)", "veriff/session-create-request", set("/verification/timestamp", "2025-02-11 10:00"), "/verification/timestamp", "format"},
		{"additionalData is flat", "veriff/session-create-request", set("/verification/additionalData/address", map[string]any{"city": "Tartu"}), "/verification/additionalData/address", "type"},
		{"document number A-Z 0-9 (2102)", "veriff/session-create-request", set("/verification/document/number", "ab-12"), "/verification/document/number", "pattern"},
		{"country is ISO-2", "veriff/session-create-request", set("/verification/document/country", "SWE"), "/verification/document/country", "pattern"},
		{"PATCH status is submitted", "veriff/session-patch-request", set("/verification/status", "approved"), "/verification/status", "enum"},
		{"PATCH frontState required", "veriff/session-patch-request", del("/verification/frontState"), "/verification/frontState", "required"},
		{"PATCH closed", "veriff/session-patch-request", set("/extra", 1.0), "/extra", "additionalProperties"},
		{"media context", "veriff/media-upload-request", set("/image/context", "selfie"), "/image/context", "enum"},
		{"media content is base64", "veriff/media-upload-request", set("/image/content", ".../9fgAEAKcx"), "/image/content", "pattern"},
		{"media content required", "veriff/media-upload-request", del("/image/content"), "/image/content", "required"},
		// Veriff responses (open but typed).
		{"baseUrl required", "veriff/session-create-response", del("/verification/baseUrl"), "/verification/baseUrl", "required"},
		{"session id is UUID v4", "veriff/session-create-response", set("/verification/id", "3b2f9a1e-7c4d-3e8a-9f10-2a6b5c8d7e01"), "/verification/id", "pattern"},
		{"session id is a UUID", "veriff/session-create-response", set("/verification/id", "not-a-uuid"), "/verification/id", "format"},
		{"success status", "veriff/session-create-response", set("/status", "fail"), "/status", "enum"},
		{"PATCH response host required", "veriff/session-patch-response", del("/verification/host"), "/verification/host", "required"},
		{"upload size is an integer", "veriff/media-upload-response", set("/image/size", "48211"), "/image/size", "type"},
		{"timestamp id is a UUID", "veriff/media-upload-response", set("/image/timestamp/id", "{TIMESTAMP_ID}"), "/image/timestamp/id", "format"},
		{"media timestamp required", "veriff/media-list-response", del("/images/0/timestamp"), "/images/0/timestamp", "required"},
		{"duration is numeric", "veriff/media-list-response", set("/videos/0/duration", "{DURATION_IN_SECONDS}"), "/videos/0/duration", "oneOf"},
		{"images required", "veriff/media-list-response", del("/images"), "/images", "required"},
		{"gender M/F/null", "veriff/person-response", set("/person/gender", "X"), "/person/gender", "enum"},
		{"citizenship kind", "veriff/person-response", set("/person/citizenships/0/kind", "Primary"), "/person/citizenships/0/kind", "enum"},
		{"PEP category", "veriff/person-response", set("/person/pepSanctionMatches/0/matches/0/category", "RCA"), "/person/pepSanctionMatches/0/matches/0/category", "enum"},
		{"date of birth YYYY-MM-DD", "veriff/person-response", set("/person/dateOfBirth", "01.07.1990"), "/person/dateOfBirth", "oneOf"},
		{"attempt status", "veriff/attempts-response", set("/verifications/1/status", "ok"), "/verifications/1/status", "enum"},
		{"timestamps is an array", "veriff/timestamps-response", set("/timestamps", map[string]any{}), "/timestamps", "type"},
		{"timestamp context required", "veriff/timestamps-response", del("/timestamps/0/context"), "/timestamps/0/context", "required"},
		{"dataHash value required", "veriff/timestamp-response", del("/timestamp/dataHash/value"), "/timestamp/dataHash/value", "required"},
		{"error status fail", "veriff/error", set("/status", "error"), "/status", "enum"},
		{"unknown error code", "veriff/error", set("/code", "1103"), "/code", "enum"},
		{"the document's \"code:\" typo leaves code missing", "veriff/error", rename("/code", "code:"), "/code", "required"},
		// Veriff decision and event.
		{"decision code enum", "veriff/decision-webhook", set("/verification/code", 9002.0), "/verification/code", "enum"},
		{"decision status enum", "veriff/decision-webhook", set("/verification/status", "resubmission_required"), "/verification/status", "enum"},
		{"9001 means approved", "veriff/decision-webhook", set("/verification/status", "declined"), "/verification/status", "enum"},
		{"session id required", "veriff/decision-webhook", del("/verification/id"), "/verification/id", "required"},
		{"webhook always carries a decision", "veriff/decision-webhook", set("/verification", nil), "/verification", "type"},
		{"document type enum", "veriff/decision-webhook", set("/verification/document/type", "DRIVING_LICENSE"), "/verification/document/type", "oneOf"},
		{"decisionTime is a timestamp", "veriff/decision-webhook", set("/verification/decisionTime", "yesterday"), "/verification/decisionTime", "format"},
		{"ip address", "veriff/decision-webhook", set("/technicalData/ip", "300.1.1.1"), "/technicalData/ip", "oneOf"},
		{"vendorData is a string", "veriff/decision-webhook", set("/verification/vendorData", map[string]any{}), "/verification/vendorData", "oneOf"},
		{"citizenship ISO-2", "veriff/decision-webhook", set("/verification/person/citizenship", "Irish"), "/verification/person/citizenship", "oneOf"},
		{"approved has no reasonCode", "veriff/decision", set("/reasonCode", 101.0), "/reasonCode", "type"},
		{"104 is not a reason code", "veriff/decision", setAll(map[string]any{"/status": "declined", "/code": 9102.0, "/reasonCode": 104.0}), "/reasonCode", "anyOf"},
		{"9102 takes a decline reason", "veriff/decision", setAll(map[string]any{"/status": "declined", "/code": 9102.0, "/reasonCode": 204.0}), "/reasonCode", "anyOf"},
		{"9103 takes a resubmit reason", "veriff/decision", setAll(map[string]any{"/status": "resubmission_requested", "/code": 9103.0, "/reasonCode": 102.0}), "/reasonCode", "anyOf"},
		{"9104 is expired or abandoned", "veriff/decision", set("/code", 9104.0), "/status", "enum"},
		{"decision response status required", "veriff/decision-response", del("/status"), "/status", "required"},
		{"event action matches code", "veriff/event-webhook", set("/action", "submitted"), "/action", "enum"},
		{"event attemptId required", "veriff/event-webhook", del("/attemptId"), "/attemptId", "required"},
		{"event code enum", "veriff/event-webhook", set("/code", 7003.0), "/code", "enum"},
		{"event id UUID", "veriff/event-webhook", set("/id", "f04bdb47"), "/id", "format"},
		// Shufti Pro.
		{"event enum", "shuftipro/response", setAll(map[string]any{"/event": "request.unknown", "/verification_result": nil, "/verification_data": nil}), "/event", "enum"},
		{"email is an address", "shuftipro/response", set("/email", "[email protected]"), "/email", "oneOf"},
		{"reference required", "shuftipro/response", del("/reference"), "/reference", "required"},
		{"accepted carries info", "shuftipro/response", del("/info"), "/info", "required"},
		{"accepted carries verification_result", "shuftipro/response", del("/verification_result"), "/verification_result", "required"},
		{"result only on accepted/declined", "shuftipro/response", setAll(map[string]any{"/event": "request.pending", "/verification_data": nil}), "/verification_result", "not"},
		{"declined_reason only when declined", "shuftipro/response", set("/declined_reason", "blurry"), "/declined_reason", "not"},
		{"request.invalid carries error", "shuftipro/response", setAll(map[string]any{"/event": "request.invalid", "/verification_result": nil, "/verification_data": nil}), "/error", "required"},
		{"result values 1/0/null", "shuftipro/response", set("/verification_result/face", 2.0), "/verification_result/face", "enum"},
		{"callbacks never carry request.invalid", "shuftipro/callback", setAll(map[string]any{"/event": "request.invalid", "/error": "bad reference"}), "/event", "enum"},
		{"HTTP responses never carry request.timeout", "shuftipro/status-response", set("/event", "request.timeout"), "/event", "enum"},
		{"proof is a URL", "shuftipro/status-response", set("/proofs/face/proof", "not a url"), "/proofs/face/proof", "format"},
		{"status request is closed", "shuftipro/status-request", set("/email", "a@b.test"), "/email", "additionalProperties"},
		{"reference not empty", "shuftipro/status-request", set("/reference", ""), "/reference", "minLength"},
		{"delete needs a reference", "shuftipro/delete-request", del("/reference"), "/reference", "required"},
		{"delete answers deleted or invalid", "shuftipro/delete-response", set("/event", "review.pending"), "/event", "enum"},
		{"check result values", "shuftipro/verification-result", set("/document/document", "1"), "/document/document", "enum"},
		{"service result values", "shuftipro/verification-result", set("/face", true), "/face", "enum"},
		{"face match 0-100", "shuftipro/verification-data", set("/document/face_match_confidence", 101.0), "/document/face_match_confidence", "maximum"},
		{"dob YYYY-MM-DD", "shuftipro/verification-data", set("/document/dob", "1993/09/09"), "/document/dob", "oneOf"},
		{"duplicate_account_detected 1/0/null", "shuftipro/verification-data", set("/face/duplicate_account_detected", "no"), "/face/duplicate_account_detected", "enum"},
		{"geolocation country ISO-2", "shuftipro/info", set("/geolocation/country_code", "Portugal"), "/geolocation/country_code", "pattern"},
		{"is_desktop boolean", "shuftipro/info", set("/agent/is_desktop", "yes"), "/agent/is_desktop", "type"},
		{"latitude decimal string", "shuftipro/info", set("/geolocation/latitude", 38.7), "/geolocation/latitude", "type"},
		{"additional data values are strings", "shuftipro/additional-data", set("/document/proof/age", 18.0), "/document/proof/age", "type"},
		{"coordinates x1,y1,x2,y2", "shuftipro/additional-data", set("/document/proof/signature", "335,300,435"), "/document/proof/signature", "pattern"},
		{"declined codes unique", "shuftipro/declined-codes", set("/1", "SPDR01"), "", "uniqueItems"},
		{"declined codes are strings", "shuftipro/declined-codes", set("/0", 1.0), "/0", "type"},
	}
	covered := map[string]bool{}
	for _, tc := range cases {
		covered[tc.schema] = true
		t.Run(tc.schema+"/"+tc.name, func(t *testing.T) {
			var doc any
			if err := json.Unmarshal([]byte(validSamples[tc.schema]), &doc); err != nil {
				t.Fatalf("sample: %v", err)
			}
			broken, _ := json.Marshal(tc.edit(doc))
			res, err := c.Validate(tc.schema, broken)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, e := range res.Errors {
				if e.Pointer == tc.pointer && e.Rule == tc.rule {
					found = true
				}
				// The edit breaks one thing, so every error is about it.
				if !strings.HasPrefix(e.Pointer, tc.pointer) {
					t.Errorf("unrelated error %s (document %s)", e, broken)
				}
			}
			if !found {
				t.Errorf("want %s %s, got %v (document %s)", tc.pointer, tc.rule, res.Errors, broken)
			}
		})
	}
	for _, name := range c.Schemas() {
		if name != "common" && name != "shuftipro/callback" && !covered[name] {
			t.Errorf("%s: no invalid case", name)
		}
	}
}

func TestPointersAreEscapedPerRFC6901(t *testing.T) {
	c := loadRepo(t)
	res, err := c.Validate("shuftipro/verification-result", []byte(`{"a/b~c":{"x.y":5}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 1 || res.Errors[0].Pointer != "/a~1b~0c/x.y" || res.Errors[0].Rule != "enum" {
		t.Fatalf("got %v, want one enum error at /a~1b~0c/x.y", res.Errors)
	}
}

// JSON-pointer editing helpers for the invalid cases.

func set(pointer string, value any) func(any) any {
	return func(doc any) any { return edit(doc, pointer, value, false) }
}

// setAll applies several edits; a nil value deletes the member.
func setAll(values map[string]any) func(any) any {
	return func(doc any) any {
		for p, v := range values {
			if v == nil {
				doc = edit(doc, p, nil, true)
				continue
			}
			doc = edit(doc, p, v, false)
		}
		return doc
	}
}

func del(pointer string) func(any) any {
	return func(doc any) any { return edit(doc, pointer, nil, true) }
}

// rename moves the value at pointer to a sibling key.
func rename(pointer, newKey string) func(any) any {
	return func(doc any) any {
		parent, key := splitPointer(pointer)
		m := lookup(doc, parent).(map[string]any)
		m[newKey] = m[key]
		delete(m, key)
		return doc
	}
}

func splitPointer(p string) (parent, last string) {
	i := strings.LastIndex(p, "/")
	return p[:i], p[i+1:]
}

func lookup(doc any, pointer string) any {
	if pointer == "" {
		return doc
	}
	cur := doc
	for _, tok := range strings.Split(pointer[1:], "/") {
		switch v := cur.(type) {
		case map[string]any:
			cur = v[tok]
		case []any:
			i, _ := strconv.Atoi(tok)
			cur = v[i]
		}
	}
	return cur
}

func edit(doc any, pointer string, value any, remove bool) any {
	parent, key := splitPointer(pointer)
	switch p := lookup(doc, parent).(type) {
	case map[string]any:
		if remove {
			delete(p, key)
		} else {
			p[key] = value
		}
	case []any:
		i, _ := strconv.Atoi(key)
		p[i] = value
	default:
		panic("no container at " + parent)
	}
	return doc
}
