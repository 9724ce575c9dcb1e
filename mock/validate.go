package mock

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// problem is one rule a request broke, with the Veriff code it maps to.
type problem struct {
	code   string // Veriff troubleshooting code ("" for Shufti problems)
	rule   string
	key    string // offending field, for Shufti's error.key
	detail string
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// supportedFeatures: the only feature the document names ("'features': ['selfid']",
// "feature: ... (selfid)"). Anything else is answered with 1301.
var supportedFeatures = map[string]bool{featureSelfID: true}

// kinValidate validates the request against spec/openapi.yaml with
// kin-openapi and returns every error it finds. Authentication is the
// mock's own (it needs the secret), so kin-openapi's is a no-op. The route
// is validationRoute's: the same checks without kin-openapi's per-request
// schema compile (validate_relabel.go).
func kinValidate(r *http.Request, route *routers.Route, params map[string]string, body []byte) error {
	return kinValidateOn(validationRoute(route), r, params, body)
}

// kinValidateBody is kinValidate that also returns the body as kin-openapi
// decoded it, when that value is exactly what semanticProblems' own decode
// would give (see bodyValueReusable), so the body is not parsed twice. It
// is nil when that is not so, or when the body failed validation (kin-openapi
// keeps the value of a valid body only). Validation is the same either way:
// KeepValidatedValue only makes kin-openapi hand back the value it validated.
func kinValidateBody(r *http.Request, route *routers.Route, params map[string]string, body []byte) (any, error) {
	route = validationRoute(route)
	keep := bodyValueReusable(route, r)
	return kinValidateKeep(route, r, params, body, keep)
}

func kinValidateOn(route *routers.Route, r *http.Request, params map[string]string, body []byte) error {
	_, err := kinValidateKeep(route, r, params, body, false)
	return err
}

func kinValidateKeep(route *routers.Route, r *http.Request, params map[string]string, body []byte, keep bool) (any, error) {
	var req *http.Request
	if leavesRequestAlone(route) {
		cp := *r // kin-openapi only replaces the copy's Body, GetBody and ContentLength
		req = &cp
	} else {
		req = r.Clone(r.Context())
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	if len(body) == 0 {
		req.Body = http.NoBody
	}
	err := openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			KeepValidatedValue: keep},
	})
	if v, ok := req.Body.(interface{ ValidatedValue() any }); keep && ok {
		return v.ValidatedValue(), err
	}
	return nil, err
}

// flatten walks kin-openapi's nested errors down to the leaves that say
// what is wrong: schema errors (with a JSON pointer) and request errors.
func flatten(err error, out *[]error) {
	switch e := err.(type) {
	case nil:
	case openapi3.MultiError:
		for _, x := range e {
			flatten(x, out)
		}
	case *openapi3filter.RequestError:
		if e.Parameter == nil {
			switch inner := e.Err.(type) {
			case openapi3.MultiError:
				for _, x := range inner {
					flatten(x, out)
				}
				return
			case *openapi3.SchemaError:
				*out = append(*out, inner)
				return
			}
		}
		*out = append(*out, e)
	default:
		*out = append(*out, err)
	}
}

// veriffProblems maps kin-openapi's findings to the document's codes. The
// document's specific code wins wherever it names the field: vendorData's
// maxLength is 1500, not the generic 1104.
func veriffProblems(r *http.Request, err error) []problem {
	var leaves []error
	flatten(err, &leaves)
	var out []problem
	for _, e := range leaves {
		switch e := e.(type) {
		case *openapi3.SchemaError:
			out = append(out, classifySchemaError(e))
		case *openapi3filter.RequestError:
			out = append(out, classifyRequestError(r, e))
		default:
			out = append(out, problem{code: "1104", rule: RuleInvalidParameters, detail: e.Error()})
		}
	}
	return out
}

func classifyRequestError(r *http.Request, e *openapi3filter.RequestError) problem {
	switch {
	case e.Parameter != nil && e.Parameter.In == "path":
		return problem{code: "1002", rule: RuleQueryIDUUID, detail: fmt.Sprintf("path parameter %s is not a UUID v4", e.Parameter.Name)}
	case e.Parameter != nil:
		return problem{code: "1104", rule: RuleInvalidParameters, detail: fmt.Sprintf("%s %s: %s", e.Parameter.In, e.Parameter.Name, e.Reason)}
	case errors.Is(e.Err, openapi3filter.ErrInvalidRequired):
		return problem{code: "1102", rule: RuleMandatory, detail: "the request has no body; this endpoint requires a JSON body"}
	case strings.Contains(e.Reason, "header Content-Type"):
		if r.Header.Get("Content-Type") == "" {
			return problem{code: "1102", rule: RuleContentType, detail: "no Content-Type header; send Content-Type: application/json"}
		}
		return problem{code: "1104", rule: RuleContentType, detail: fmt.Sprintf("Content-Type %q; send application/json", r.Header.Get("Content-Type"))}
	}
	var pe *openapi3filter.ParseError
	if errors.As(e.Err, &pe) || strings.Contains(e.Reason, "failed to decode") {
		return problem{code: "1104", rule: RuleInvalidJSON, detail: "the body is not valid JSON: " + trimErr(e.Err)}
	}
	return problem{code: "1104", rule: RuleInvalidParameters, detail: trimErr(e)}
}

func trimErr(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	if i := strings.Index(s, "\nSchema:"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func classifySchemaError(e *openapi3.SchemaError) problem {
	path := e.JSONPointer()
	ptr := "/" + strings.Join(path, "/")
	field := e.SchemaField
	detail := fmt.Sprintf("%s: %s", ptr, e.Reason)
	if field == "required" {
		return problem{code: "1102", rule: RuleMandatory, key: last(path), detail: detail}
	}
	switch {
	case ptr == "/verification/vendorData" && field == "maxLength":
		return problem{code: "1500", rule: RuleVendorDataLength, key: "vendorData", detail: detail}
	case ptr == "/verification/vendorData" && field == "type":
		return problem{code: "1501", rule: RuleVendorDataString, key: "vendorData", detail: detail}
	case ptr == "/verification/callback" && field != "type":
		return problem{code: "1302", rule: RuleHTTPSCallback, key: "callback", detail: detail}
	case last(path) == "timestamp" && (field == "format" || field == "type"):
		return problem{code: "1202", rule: RuleTimestampFormat, key: "timestamp", detail: detail}
	case ptr == "/verification/document/number":
		return problem{code: "2102", rule: RuleDocumentNumber, key: "number", detail: detail}
	case ptr == "/verification/document/type":
		return problem{code: "2103", rule: RuleDocumentType, key: "type", detail: detail}
	case ptr == "/verification/document/country":
		return problem{code: "2104", rule: RuleDocumentCountry, key: "country", detail: detail}
	case strings.HasPrefix(ptr, "/verification/features/"):
		return problem{code: "1301", rule: RuleFeatures, key: "features", detail: detail}
	case ptr == "/image/content":
		return problem{code: "1104", rule: RuleMediaContent, key: "content", detail: detail}
	}
	return problem{code: "1104", rule: RuleInvalidParameters, key: last(path), detail: detail}
}

func last(p []string) string {
	if len(p) == 0 {
		return ""
	}
	return p[len(p)-1]
}

// idProblems checks a path id the way the document's codes 1001 and 1002
// describe ("Query ID must be between 20 and 40 symbols", "must be a valid
// UUID V4"). They run before kin-openapi, which only knows "not a UUID".
func idProblems(params map[string]string) []problem {
	var out []problem
	for name, v := range params {
		n := utf8.RuneCountInString(v)
		switch {
		case n < 20 || n > 40:
			out = append(out, problem{code: "1001", rule: RuleQueryIDLength, detail: fmt.Sprintf("%s is %d symbols long", name, n)})
		case !uuidV4.MatchString(v):
			out = append(out, problem{code: "1002", rule: RuleQueryIDUUID, detail: fmt.Sprintf("%s is not a lowercase UUID v4", name)})
		}
	}
	return out
}

// semanticProblems are the document's rules that a schema cannot state:
// the timestamp's age against the (virtual) clock, a real calendar date, an
// assigned country code, a supported feature, an actual PNG/JPEG image.
//
// It also returns the decoded body of a create request when that body is a
// single JSON value with nothing but white space after it (see
// fieldsFromDoc), so createSession does not parse it again.
//
// validated is the body as kin-openapi decoded it (kinValidateBody), or nil:
// a JSON object there is the very value the decode below would produce.
func (m *Mock) semanticProblems(op string, body []byte, now time.Time, validated any) (probs []problem, img *decodedImage, doc map[string]any) {
	switch op {
	case "veriffCreateSession", "veriffSubmitSession", "veriffUploadSessionMedia":
	default:
		return nil, nil, nil // no semantic rule reads the body of any other operation
	}
	var singleValue bool // body is one JSON value and white space
	if obj, ok := validated.(map[string]any); ok {
		doc = obj
		singleValue = op == "veriffCreateSession" && json.Valid(body)
	} else {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return nil, nil, nil // kin-openapi reports it
		}
		singleValue = onlySpaceAfter(body, dec.InputOffset())
	}
	switch op {
	case "veriffCreateSession", "veriffSubmitSession":
		v, _ := doc["verification"].(map[string]any)
		probs = append(probs, staleTimestamp(v, now)...)
		if op == "veriffCreateSession" && v != nil {
			probs = append(probs, createProblems(v)...)
		}
	case "veriffUploadSessionMedia":
		im, _ := doc["image"].(map[string]any)
		probs = append(probs, staleTimestamp(im, now)...)
		if c, ok := im["content"].(string); ok {
			d, p := m.decodeImage(c)
			probs = append(probs, p...)
			img = d
		}
	}
	if op == "veriffCreateSession" && singleValue {
		return probs, img, doc
	}
	return probs, img, nil
}

// onlySpaceAfter reports whether body holds nothing but JSON white space
// from off on (json.Unmarshal refuses anything else after the value; the
// json.Decoder used above does not look).
func onlySpaceAfter(body []byte, off int64) bool {
	for _, c := range body[off:] {
		switch c {
		case ' ', '\t', '\n', '\r':
		default:
			return false
		}
	}
	return true
}

func staleTimestamp(obj map[string]any, now time.Time) []problem {
	s, ok := obj["timestamp"].(string)
	if !ok {
		return nil
	}
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil // format: kin-openapi reports 1202
	}
	// Fresh against either clock is fresh: real clients stamp requests with
	// wall time, and after "advance 168h" the virtual clock is a week ahead
	// of it. A stale or hard-coded timestamp is old against both.
	if age := now.Sub(ts); age > TimestampMaxAge && time.Since(ts) > TimestampMaxAge {
		return []problem{{code: "1201", rule: RuleTimestampStale, key: "timestamp", detail: fmt.Sprintf(
			"timestamp %s is %s older than the mock's clock (%s) and than the wall clock; send the current time", s, age.Round(time.Second), fmtTime(now))}}
	}
	return nil
}

func createProblems(v map[string]any) []problem {
	var out []problem
	if cb, ok := v["callback"].(string); ok && strings.HasPrefix(cb, "https://") {
		// The schema checks the scheme; a usable return URL also needs a host
		// and nothing a browser would be confused or misled by.
		if reason := badHTTPSCallback(cb); reason != "" {
			out = append(out, problem{code: "1302", rule: RuleHTTPSCallback, key: "callback",
				detail: "/verification/callback " + reason})
		}
	}
	if p, ok := v["person"].(map[string]any); ok {
		if dob, present := p["dateOfBirth"]; present {
			s, isStr := dob.(string)
			if _, err := time.Parse("2006-01-02", s); !isStr || err != nil {
				out = append(out, problem{code: "2003", rule: RuleDateOfBirth, key: "dateOfBirth",
					detail: "/verification/person/dateOfBirth is not a calendar date in the form YYYY-MM-DD"})
			}
		}
	}
	if d, ok := v["document"].(map[string]any); ok {
		if c, ok := d["country"].(string); ok && countryForm.MatchString(c) && !isoCountries[c] {
			out = append(out, problem{code: "2104", rule: RuleDocumentCountry, key: "country",
				detail: fmt.Sprintf("/verification/document/country %q is not an assigned ISO 3166-1 alpha-2 code", c)})
		}
	}
	if fs, ok := v["features"].([]any); ok {
		for i, f := range fs {
			if s, ok := f.(string); ok && s != "" && !supportedFeatures[s] {
				out = append(out, problem{code: "1301", rule: RuleFeatures, key: "features",
					detail: fmt.Sprintf("/verification/features/%d %q is not a feature the document names (supported: selfid)", i, s)})
			}
		}
	}
	return out
}

var countryForm = regexp.MustCompile(`^[A-Z]{2}$`)

type decodedImage struct {
	data     []byte
	mimetype string
	tooLarge bool
}

// decodeImage decodes the base64 content of a media upload ("content:
// String base64 encoded image (png|jpg|jpeg)") and checks it is one.
func (m *Mock) decodeImage(content string) (*decodedImage, []problem) {
	raw := content
	if i := strings.Index(raw, ";base64,"); strings.HasPrefix(raw, "data:") && i > 0 {
		raw = raw[i+len(";base64,"):]
	}
	if int64(base64.StdEncoding.DecodedLen(len(raw))) > m.cfg.MaxMediaBytes+3 {
		return &decodedImage{tooLarge: true}, nil
	}
	data, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, []problem{{code: "1104", rule: RuleMediaContent, key: "content", detail: "/image/content is not valid base64: " + err.Error()}}
	}
	if int64(len(data)) > m.cfg.MaxMediaBytes {
		return &decodedImage{tooLarge: true}, nil
	}
	mt := http.DetectContentType(data)
	if mt != "image/png" && mt != "image/jpeg" {
		return nil, []problem{{code: "1104", rule: RuleMediaContent, key: "content",
			detail: fmt.Sprintf("/image/content decodes to %s, not a PNG or JPEG image", mt)}}
	}
	return &decodedImage{data: data, mimetype: mt}, nil
}

// topProblem picks the problem that answers the request (see codePriority)
// and dedupes the list for the report.
func topProblem(probs []problem) (problem, []problem) {
	seen := map[string]bool{}
	var uniq []problem
	for _, p := range probs {
		k := p.code + "\x00" + p.rule + "\x00" + p.detail
		if !seen[k] {
			seen[k] = true
			uniq = append(uniq, p)
		}
	}
	rank := func(code string) int {
		for i, c := range codePriority {
			if c == code {
				return i
			}
		}
		return len(codePriority)
	}
	sort.SliceStable(uniq, func(i, j int) bool { return rank(uniq[i].code) < rank(uniq[j].code) })
	return uniq[0], uniq
}

// badHTTPSCallback says why an https:// callback is unusable as a return URL,
// or "" when it is fine: it needs a host, and must carry no credentials, white
// space or control characters.
func badHTTPSCallback(cb string) string {
	if strings.ContainsFunc(cb, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "contains white space or a control character"
	}
	u, err := url.Parse(cb)
	switch {
	case err != nil:
		return "is not a URL: " + err.Error()
	case u.Host == "" || u.Hostname() == "":
		return "has no host"
	case u.User != nil:
		return "carries credentials (user:password@); a return URL must not"
	}
	return ""
}
