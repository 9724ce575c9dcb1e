package mock

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conform-kit/conform/signing"
)

// TestEveryErrorCodeIsReachable is the table of the document's codes: each
// request breaks one rule and must get the document's status, code and
// message, and leave that rule in the client contract report.
func TestEveryErrorCodeIsReachable(t *testing.T) {
	e := newEnv(t)
	id, _ := e.create()
	stale := fmtTime(t0.Add(-61 * time.Minute))
	withTS := func(body, ts string) []byte { return []byte(strings.ReplaceAll(body, "$TS", ts)) }
	now := e.now()
	create := func(v string) []byte { return withTS(`{"verification":{`+v+`"timestamp":"$TS"}}`, now) }
	cases := []struct {
		name         string
		method, path string
		body         []byte
		opts         []reqOpt
		status       int
		code         string
		rule         string
	}{
		{"1001 id too short", "GET", "/v1/sessions/abc/decision", nil, nil, 400, "1001", RuleQueryIDLength},
		{"1002 id not uuid v4", "GET", "/v1/sessions/6a0f3c9e-2b7d-3c41-9e55-0d8b1f2a7c63/decision", nil, nil, 400, "1002", RuleQueryIDUUID},
		{"1101 wrong api key", "POST", "/v1/sessions", create(""), []reqOpt{withHeader("X-AUTH-CLIENT", "someone-else")}, 401, "1101", RuleAPIKey},
		{"1101 no api key", "POST", "/v1/sessions", create(""), []reqOpt{withoutHeader("X-AUTH-CLIENT")}, 401, "1101", RuleAPIKey},
		{"1102 no timestamp", "POST", "/v1/sessions", []byte(`{"verification":{}}`), nil, 400, "1102", RuleMandatory},
		{"1102 no verification", "POST", "/v1/sessions", []byte(`{}`), nil, 400, "1102", RuleMandatory},
		{"1102 no body", "PATCH", "/v1/sessions/" + id, []byte{}, nil, 400, "1102", RuleMandatory},
		{"1102 no content type", "POST", "/v1/sessions", create(""), []reqOpt{withoutHeader("Content-Type")}, 400, "1102", RuleContentType},
		{"1104 wrong content type", "POST", "/v1/sessions", create(""), []reqOpt{withHeader("Content-Type", "text/plain")}, 400, "1104", RuleContentType},
		{"1104 unknown property", "POST", "/v1/sessions", create(`"colour":"blue",`), nil, 400, "1104", RuleInvalidParameters},
		{"1104 invalid json", "POST", "/v1/sessions", []byte(`{"verification":`), nil, 400, "1104", RuleInvalidJSON},
		{"1104 patch status", "PATCH", "/v1/sessions/" + id, withTS(`{"verification":{"status":"approved","frontState":"done","timestamp":"$TS"}}`, now), nil, 400, "1104", RuleInvalidParameters},
		{"1104 media not an image", "POST", "/v1/sessions/" + id + "/media", withTS(`{"image":{"context":"face","content":"aGVsbG8gd29ybGQ=","timestamp":"$TS"}}`, now), nil, 400, "1104", RuleMediaContent},
		{"1201 stale timestamp", "POST", "/v1/sessions", withTS(`{"verification":{"timestamp":"$TS"}}`, stale), nil, 400, "1201", RuleTimestampStale},
		{"1201 stale patch", "PATCH", "/v1/sessions/" + id, withTS(`{"verification":{"status":"submitted","frontState":"done","timestamp":"$TS"}}`, stale), nil, 400, "1201", RuleTimestampStale},
		{"1202 bad timestamp", "POST", "/v1/sessions", withTS(`{"verification":{"timestamp":"$TS"}}`, "04.03.2025 09:00"), nil, 400, "1202", RuleTimestampFormat},
		{"1202 timestamp not a string", "POST", "/v1/sessions", []byte(`{"verification":{"timestamp":1741078800}}`), nil, 400, "1202", RuleTimestampFormat},
		{"1301 unsupported feature", "POST", "/v1/sessions", create(`"features":["selfid","nfc-chip"],`), nil, 400, "1301", RuleFeatures},
		{"1302 http callback", "POST", "/v1/sessions", create(`"callback":"http://shop.example/done",`), nil, 400, "1302", RuleHTTPSCallback},
		{"1500 vendorData 41", "POST", "/v1/sessions", create(`"vendorData":"` + strings.Repeat("x", 41) + `",`), nil, 400, "1500", RuleVendorDataLength},
		{"1501 vendorData number", "POST", "/v1/sessions", create(`"vendorData":12345,`), nil, 400, "1501", RuleVendorDataString},
		{"2003 date of birth", "POST", "/v1/sessions", create(`"person":{"firstName":"A","dateOfBirth":"1990-02-30"},`), nil, 400, "2003", RuleDateOfBirth},
		{"2102 document number", "POST", "/v1/sessions", create(`"document":{"number":"px-44173"},`), nil, 400, "2102", RuleDocumentNumber},
		{"2103 document type", "POST", "/v1/sessions", create(`"document":{"type":"LIBRARY_CARD"},`), nil, 400, "2103", RuleDocumentType},
		{"2104 country form", "POST", "/v1/sessions", create(`"document":{"country":"ee"},`), nil, 400, "2104", RuleDocumentCountry},
		{"2104 country unassigned", "POST", "/v1/sessions", create(`"document":{"country":"XX"},`), nil, 400, "2104", RuleDocumentCountry},
		{"401 no signature", "POST", "/v1/sessions", create(""), []reqOpt{withoutHeader(e.profile.Header)}, 401, "", RuleSignatureMissing},
		{"401 wrong signature", "POST", "/v1/sessions", create(""), []reqOpt{withHeader(e.profile.Header, strings.Repeat("0", 64))}, 401, "", RuleSignatureMismatch},
		{"401 other profile", "POST", "/v1/sessions", create(""), []reqOpt{withoutHeader(e.profile.Header),
			withHeader(signing.VeriffHMAC.Header, signing.VeriffHMAC.Sign(testSecret, create("")))}, 401, "", RuleSignatureMissing},
		{"401 GET signs body not id", "GET", "/v1/sessions/" + id + "/decision", nil, []reqOpt{withHeader(e.profile.Header, e.profile.Sign(testSecret, nil))}, 401, "", RuleSignatureMismatch},
		{"404 unknown session", "GET", "/v1/sessions/0c1e9a74-5d3b-4f2a-8b6c-93e1d7f4a215/decision", nil, nil, 404, "", RuleUnknownSession},
		{"404 unknown endpoint", "GET", "/v1/sessions", nil, nil, 404, "", RuleUnknownEndpoint},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.m.report.Snapshot(t0).Summary.Violations[tc.rule]
			r := e.veriff(tc.method, tc.path, tc.body, tc.opts...)
			if r.status != tc.status || r.code != tc.code {
				t.Fatalf("got %d code %q, want %d code %q\n%s\ndetail: %s", r.status, r.code, tc.status, tc.code, r.body, r.header.Get("X-Conform-Detail"))
			}
			env := r.json(t)
			if env["status"] != "fail" {
				t.Errorf("status %v", env["status"])
			}
			if tc.code != "" && env["message"] != veriffErrors[tc.code].message {
				t.Errorf("message %q, want the document's %q", env["message"], veriffErrors[tc.code].message)
			}
			if r.header.Get("X-Conform-Detail") == "" {
				t.Errorf("no X-Conform-Detail")
			}
			if after := e.m.report.Snapshot(t0).Summary.Violations[tc.rule]; after != before+1 {
				t.Errorf("report count for %s went %d -> %d", tc.rule, before, after)
			}
		})
	}
}

// A valid date of birth is still refused: the request schema (like the
// document's property list) has no person.dateOfBirth. See the report.
func TestValidDateOfBirthIsAnUnknownProperty(t *testing.T) {
	e := newEnv(t)
	r := e.veriff("POST", "/v1/sessions", e.createBody(`"features":["selfid"],`))
	if r.status != http.StatusCreated {
		t.Fatalf("selfid feature refused: %d %s", r.status, r.body)
	}
	body := []byte(`{"verification":{"person":{"dateOfBirth":"1990-02-28"},"timestamp":"` + e.now() + `"}}`)
	if r := e.veriff("POST", "/v1/sessions", body); r.status != 400 || r.code != "1104" {
		t.Fatalf("got %d %s", r.status, r.body)
	}
}

// The document's specific code wins over kin-openapi's generic finding on
// the same field, and over other fields' generic findings.
func TestSpecificCodeWins(t *testing.T) {
	e := newEnv(t)
	body := []byte(`{"verification":{"vendorData":"` + strings.Repeat("é", 41) + `","colour":1,"timestamp":"` + e.now() + `"}}`)
	if r := e.veriff("POST", "/v1/sessions", body); r.code != "1500" {
		t.Fatalf("got %s, want 1500", r.body)
	}
	// 40 symbols (not bytes) is allowed: "max 40 characters long".
	body = []byte(`{"verification":{"vendorData":"` + strings.Repeat("é", 40) + `","timestamp":"` + e.now() + `"}}`)
	if r := e.veriff("POST", "/v1/sessions", body); r.status != http.StatusCreated {
		t.Fatalf("40 symbols refused: %s", r.body)
	}
	// A stale timestamp one second inside the hour is fine.
	body = []byte(`{"verification":{"timestamp":"` + fmtTime(t0.Add(-59*time.Minute)) + `"}}`)
	if r := e.veriff("POST", "/v1/sessions", body); r.status != http.StatusCreated {
		t.Fatalf("59 minutes refused: %s", r.body)
	}
}

func TestEveryEndpointAnswersPerContract(t *testing.T) {
	for _, p := range signing.ForProvider("veriff") {
		t.Run(p.Name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.Profile = p.Name })
			id, _ := e.create()
			up := e.upload(id)
			if up.status != http.StatusCreated {
				t.Fatalf("upload %d %s", up.status, up.body)
			}
			img := up.json(t)["image"].(map[string]any)
			mediaID := img["id"].(string)
			stampID := img["timestamp"].(map[string]any)["id"].(string)
			if r := e.veriff("GET", "/v1/sessions/"+id+"/decision", nil); r.status != 200 || !strings.Contains(string(r.body), `"verification":null`) {
				t.Fatalf("decision before any: %d %s", r.status, r.body)
			}
			if r := e.patch(id); r.status != 200 {
				t.Fatalf("patch %d %s", r.status, r.body)
			}
			var v SessionView
			if st := e.admin("POST", "/_conform/sessions/"+id+"/decision", Decision{Status: StatusResubmit, ReasonCode: intp(204)}, &v); st != 200 {
				t.Fatalf("decide %d", st)
			}
			for _, path := range []string{"/media", "/person", "/timestamps", "/attempts", "/decision"} {
				if r := e.veriff("GET", "/v1/sessions/"+id+path, nil); r.status != 200 {
					t.Errorf("GET %s: %d %s", path, r.status, r.body)
				}
			}
			if r := e.veriff("GET", "/v1/attempts/"+v.Attempts[0].ID+"/media", nil); r.status != 200 || !strings.Contains(string(r.body), mediaID) {
				t.Errorf("attempt media: %d %s", r.status, r.body)
			}
			r := e.veriff("GET", "/v1/media/"+mediaID, nil)
			if r.status != 200 || string(r.body) != string(pngBytes) || r.header.Get("Content-Type") != "image/png" {
				t.Errorf("media: %d %q", r.status, r.header.Get("Content-Type"))
			}
			if r := e.veriff("GET", "/v1/timestamps/"+stampID, nil); r.status != 200 {
				t.Errorf("timestamp: %d %s", r.status, r.body)
			}
			att := e.veriff("GET", "/v1/sessions/"+id+"/attempts", nil).json(t)["verifications"].([]any)
			if len(att) != 1 || att[0].(map[string]any)["status"] != StatusResubmit {
				t.Errorf("attempts %v", att)
			}
		})
	}
}

func intp(i int) *int { return &i }
