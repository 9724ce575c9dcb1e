package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// relabelCorpus are requests of every kind the mock validates with
// kin-openapi: valid ones, the error-code tests' bad ones, and, generated
// below, each valid body with every value replaced by values of every JSON
// type and some edge strings.
func relabelCorpus(t *testing.T) []*http.Request {
	t.Helper()
	const (
		id = "0c1e9a74-5d3b-4f2a-8b6c-93e1d7f4a215"
		ts = "2025-03-04T09:00:00.000Z"
	)
	bodies := map[string][]string{
		"POST /v1/sessions": {
			`{"verification":{"callback":"https://shop.example/kyc/done","person":{"firstName":"Siobhán","lastName":"O'Connor","idNumber":"123","gender":"F"},` +
				`"document":{"number":"PX4417302","type":"PASSPORT","country":"IE"},"additionalData":{"a":"b","n":1,"t":true,"z":null},` +
				`"vendorData":"cust-0417","lang":"en","features":["selfid"],"timestamp":"` + ts + `"}}`,
			`{"verification":{"timestamp":"` + ts + `"}}`,
			`{"verification":{}}`, `{}`, `[]`, `null`, `"x"`, `{"verification":`, `{"verification":{"timestamp":1741078800}}`,
			`{"verification":{"vendorData":"` + strings.Repeat("v", 41) + `","callback":"http://x","document":{"number":"px-1","type":"VISA","country":"ie"},"timestamp":"04.03.2025 09:00"}}`,
			`{"verification":{"timestamp":"` + ts + `","extra":1},"other":2}`,
		},
		"PATCH /v1/sessions/" + id: {
			`{"verification":{"status":"submitted","frontState":"done","timestamp":"` + ts + `"}}`,
			`{"verification":{"status":"approved","frontState":"done","timestamp":"` + ts + `"}}`, ``,
		},
		"POST /v1/sessions/" + id + "/media": {
			`{"image":{"context":"document-front","content":"aGVsbG8=","timestamp":"` + ts + `"}}`,
			`{"image":{"context":"face"}}`,
		},
		"POST /shuftipro/status":        {`{"reference":"cf-7Q2M-2291"}`, `{"reference":""}`, `{}`},
		"POST /shuftipro/delete":        {`{"reference":"cf-7Q2M-2291","comment":"gone"}`, `{"reference":7}`},
		"GET /v1/sessions/" + id:        {""},
		"GET /v1/sessions/" + id + "/x": {""},
	}
	for _, p := range []string{"decision", "media", "person", "timestamps", "attempts"} {
		bodies["GET /v1/sessions/"+id+"/"+p] = []string{""}
	}
	for _, badID := range []string{"0C1E9A74-5D3B-4F2A-8B6C-93E1D7F4A215", "0c1e9a74-5d3b-1f2a-8b6c-93e1d7f4a215", "not-a-uuid", "0c1e9a74-5d3b-4f2a-8b6c-93e1d7f4a21g", "%20"} {
		bodies["GET /v1/sessions/"+badID+"/decision"] = []string{""}
		bodies["GET /v1/attempts/"+badID+"/media"] = []string{""}
		bodies["GET /v1/media/"+badID] = []string{""}
		bodies["GET /v1/timestamps/"+badID] = []string{""}
	}
	var reqs []*http.Request
	keys := make([]string, 0, len(bodies))
	for k := range bodies {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		method, path, _ := strings.Cut(k, " ")
		var all []string
		for _, b := range bodies[k] {
			all = append(all, b)
			all = append(all, mutations(b)...)
		}
		for _, b := range all {
			for _, ct := range []string{"application/json", "", "text/plain"} {
				r := httptest.NewRequest(method, path, bytes.NewReader([]byte(b)))
				if ct != "" {
					r.Header.Set("Content-Type", ct)
				}
				reqs = append(reqs, r)
			}
		}
	}
	return reqs
}

// mutations replaces each value of a JSON body, one at a time, by values of
// every type.
func mutations(body string) []string {
	var doc any
	if json.Unmarshal([]byte(body), &doc) != nil {
		return nil
	}
	repl := []any{nil, true, 0, 1.5, -1, "", "x", strings.Repeat("é", 45), "2025-13-45T99:00:00Z", "https://", []any{}, []any{"a", 1}, map[string]any{}, map[string]any{"k": map[string]any{}}}
	var out []string
	var walk func(v any, set func(any))
	walk = func(v any, set func(any)) {
		for _, r := range repl {
			set(r)
			b, _ := json.Marshal(doc)
			out = append(out, string(b))
		}
		set(v)
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				walk(c, func(x any) { v[k] = x })
			}
			v["unknownProperty"] = 1
			b, _ := json.Marshal(doc)
			out = append(out, string(b))
			delete(v, "unknownProperty")
		case []any:
			for i, c := range v {
				walk(c, func(x any) { v[i] = x })
			}
		}
	}
	root := doc
	walk(root, func(x any) { doc = x })
	return out
}

// TestFastRouteAgreesWithKinOpenAPI: validating through validationRoute (the
// 3.0-labelled spec, no per-request compile) yields, request by request,
// exactly the problems the mock derived from kin-openapi's 3.1 validation
// of the unchanged route: same codes, rules, keys and details, in order.
func TestFastRouteAgreesWithKinOpenAPI(t *testing.T) {
	_, router, _, err := loadShared()
	if err != nil {
		t.Fatal(err)
	}
	compared, fast := 0, map[string]bool{}
	for _, r := range relabelCorpus(t) {
		route, params, err := router.FindRoute(r)
		if err != nil {
			continue
		}
		body := readAll(t, r)
		slow := kinValidateOn(route, r, params, body)
		quick := kinValidate(r, route, params, body)
		if got, want := veriffProblems(r, quick), veriffProblems(r, slow); !reflect.DeepEqual(got, want) {
			t.Errorf("%s %s %q (%s):\nfast: %+v\nkin:  %+v", r.Method, r.URL.Path, body, r.Header.Get("Content-Type"), got, want)
		}
		if len(params) == 0 && fmt.Sprint(quick) != fmt.Sprint(slow) {
			t.Errorf("%s %s %q: errors differ:\nfast: %v\nkin:  %v", r.Method, r.URL.Path, body, quick, slow)
		}
		compared++
		if validationRoute(route) != route {
			fast[route.Operation.OperationID] = true
		}
	}
	if compared < 1000 {
		t.Fatalf("only %d requests compared", compared)
	}
	// The mock's client operations must all take the fast path: the point
	// of validationRoute is lost silently otherwise.
	for _, op := range []string{"veriffCreateSession", "veriffSubmitSession", "veriffUploadSessionMedia", "veriffGetSessionDecision",
		"veriffListSessionMedia", "veriffGetSessionPerson", "veriffListSessionTimestamps", "veriffListSessionAttempts",
		"veriffListAttemptMedia", "veriffGetMedia", "veriffGetTimestamp", "shuftiproStatus", "shuftiproDelete"} {
		if !fast[op] {
			t.Errorf("%s is validated through the slow 3.1 route", op)
		}
	}
	t.Logf("%d requests compared", compared)
}

func readAll(t *testing.T, r *http.Request) []byte {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	return buf.Bytes()
}
