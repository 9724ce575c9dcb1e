package mock

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Why this file exists: for an OpenAPI 3.1 document, kin-openapi v0.153
// validates every parameter and request body with its JSON Schema 2020
// validator, and builds that validator anew on every call (marshal the
// schema, compile it against the meta-schema, compile its regexps): about
// 60% of the mock's CPU under load. There is no cache to turn on.
//
// For this contract that work is wasted, and provably so per operation:
//
//   - A request body schema reaches its sub-schemas through $refs into
//     ../common.json. kin-openapi marshals the schema with those $refs as
//     they are, the 2020 compiler cannot load them, the compile fails, and
//     kin-openapi falls back to its own (3.0) validator — on every request.
//     The answer therefore always came from that validator already.
//   - A path parameter schema (uuidV4: type string, format uuid, a plain
//     pattern) compiles, and is checked with the same format function and
//     Go's regexp by either validator.
//
// kin-openapi decides which validator to use from route.Spec's version
// only. So for an operation where both facts hold, the request is handed to
// the very same openapi3filter.ValidateRequest with a route whose Spec is
// labelled 3.0: the same checks, the same errors, without the per-request
// compile. The one setting the 3.1 label also changes in the 3.0 validator
// is that "nullable" is ignored, so a schema using nullable is never
// relabelled. Any operation for which the facts cannot be established
// (a compile that would succeed, a 2020-only keyword, a parameter schema
// beyond the plain string keywords) keeps the 3.1 route and the slow path.
// TestFastRouteAgreesWithKinOpenAPI checks the two paths agree request by
// request.

// legacySchemaURL is the URL kin-openapi compiles every schema under.
const legacySchemaURL = "https://example.com/schema.json"

var (
	// relabelled: *openapi3.Operation -> bool, whether the operation is
	// validated through the 3.0-labelled spec.
	relabelled sync.Map
	// specAs30: *openapi3.T -> *openapi3.T, the same document labelled 3.0.
	specAs30 sync.Map
)

// validationRoute is the route kinValidate hands to kin-openapi: route
// itself, or, where that provably gives the same result, a copy whose spec
// is labelled OpenAPI 3.0 (see the file comment).
func validationRoute(route *routers.Route) *routers.Route {
	if route.Spec == nil || !route.Spec.IsOpenAPI31OrLater() || !canRelabel(route) {
		return route
	}
	cp := *route
	cp.Spec = labelled30(route.Spec)
	cp.Operation = withoutSecurity(route.Spec, route.Operation)
	return &cp
}

// noSecurityOp: *openapi3.Operation -> *openapi3.Operation, the operation
// kin-openapi is handed instead (see withoutSecurity).
var noSecurityOp sync.Map

// withoutSecurity returns op, or, when kin-openapi's security check of op
// cannot fail, a copy of op with no security requirements. The mock checks
// the API key and signature itself before kin-openapi runs and hands it
// NoopAuthenticationFunc, so kin-openapi's check only asks whether some
// requirement names schemes the document declares; where one does, the
// answer is yes on every request, and the check only cost a read of the
// body per requirement. Decided once per operation.
func withoutSecurity(doc *openapi3.T, op *openapi3.Operation) *openapi3.Operation {
	if v, ok := noSecurityOp.Load(op); ok {
		return v.(*openapi3.Operation)
	}
	out := op
	if securityAlwaysPasses(doc, op) {
		cp := *op // shallow: parameters and body are shared, read-only
		cp.Security = &openapi3.SecurityRequirements{}
		out = &cp
	}
	v, _ := noSecurityOp.LoadOrStore(op, out)
	return v.(*openapi3.Operation)
}

// securityAlwaysPasses reports whether openapi3filter.ValidateSecurityRequirements
// with NoopAuthenticationFunc returns nil for op whatever the request: it
// does when there is no requirement, or when one requirement names only
// schemes declared in components (it fails a requirement only for an
// undeclared scheme, or for the authentication function's error).
func securityAlwaysPasses(doc *openapi3.T, op *openapi3.Operation) bool {
	srs := op.Security
	if srs == nil {
		srs = &doc.Security
	}
	if len(*srs) == 0 {
		return true
	}
	var schemes openapi3.SecuritySchemes
	if doc.Components != nil {
		schemes = doc.Components.SecuritySchemes
	}
	for _, sr := range *srs {
		declared := true
		for name := range sr {
			if ref := schemes[name]; ref == nil || ref.Value == nil {
				declared = false
			}
		}
		if declared {
			return true
		}
	}
	return false
}

// requestUntouched: *openapi3.Operation -> bool (see leavesRequestAlone).
var requestUntouched sync.Map

// leavesRequestAlone reports whether openapi3filter.ValidateRequest can
// write nothing but the body fields of the request it is given for route:
// it writes to the header, the query or the cookies only to fill in the
// default of a parameter that was not sent. With no parameter that has a
// default (or a content-typed parameter, not inspected here), a shallow copy
// of the request is as good as r.Clone's deep one.
func leavesRequestAlone(route *routers.Route) bool {
	if v, ok := requestUntouched.Load(route.Operation); ok {
		return v.(bool)
	}
	var params openapi3.Parameters
	if route.PathItem != nil {
		params = append(params, route.PathItem.Parameters...)
	}
	params = append(params, route.Operation.Parameters...)
	ok := true
	for _, p := range params {
		if p == nil || p.Value == nil || p.Value.Content != nil || p.Value.Schema == nil || p.Value.Schema.Value == nil {
			ok = false
			break
		}
		s := p.Value.Schema.Value
		if s.Default != nil {
			ok = false
		}
		for _, sub := range s.AllOf {
			if sub == nil || sub.Value == nil || sub.Value.Default != nil {
				ok = false
			}
		}
	}
	requestUntouched.Store(route.Operation, ok)
	return ok
}

func canRelabel(route *routers.Route) bool {
	if v, ok := relabelled.Load(route.Operation); ok {
		return v.(bool)
	}
	ok := sameUnder30(route.PathItem, route.Operation)
	relabelled.Store(route.Operation, ok)
	return ok
}

func labelled30(doc *openapi3.T) *openapi3.T {
	if v, ok := specAs30.Load(doc); ok {
		return v.(*openapi3.T)
	}
	cp := *doc // shallow: paths, components, security are shared, read-only
	cp.OpenAPI = "3.0.3"
	v, _ := specAs30.LoadOrStore(doc, &cp)
	return v.(*openapi3.T)
}

// sameUnder30 reports whether kin-openapi validates every parameter and the
// request body of op identically whether the spec is labelled 3.1 or 3.0.
func sameUnder30(item *openapi3.PathItem, op *openapi3.Operation) bool {
	if op == nil {
		return false
	}
	var params openapi3.Parameters
	if item != nil {
		params = append(params, item.Parameters...)
	}
	params = append(params, op.Parameters...)
	for _, p := range params {
		if p == nil || p.Value == nil || len(p.Value.Content) > 0 {
			return false
		}
		if s := p.Value.Schema; s != nil && (s.Value == nil || !plainStringSchema(s.Value)) {
			return false
		}
	}
	if op.RequestBody == nil {
		return true
	}
	if op.RequestBody.Value == nil {
		return false
	}
	for _, mt := range op.RequestBody.Value.Content {
		if mt == nil || mt.Schema == nil {
			continue // no schema: kin-openapi checks nothing either way
		}
		if mt.Schema.Value == nil || !fallsBackTo30(mt.Schema.Value) {
			return false
		}
	}
	return true
}

// plainStringSchema: a string schema whose only checks are a registered
// format and a pattern Go's regexp reads the same as kin-openapi's 3.0
// validator (which rewrites \u escapes first: so no backslash at all).
// Both validators run the same format function and regexp.MatchString.
func plainStringSchema(s *openapi3.Schema) bool {
	if !s.Type.Is("string") || s.Nullable {
		return false
	}
	if s.Format != "" {
		if _, ok := openapi3.SchemaStringFormats[s.Format]; !ok {
			return false
		}
	}
	if strings.Contains(s.Pattern, `\`) {
		return false
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return false
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return false
	}
	for k := range keys {
		switch k {
		case "type", "format", "pattern", "description", "title":
		default:
			return false
		}
	}
	return true
}

// fallsBackTo30 reports whether kin-openapi's 3.1 validation of s always
// ends in its 3.0 validator (useJSONSchema2020: the compile fails and s uses
// no keyword that forbids the fallback), and whether that validator behaves
// the same under both labels (no nullable anywhere).
func fallsBackTo30(s *openapi3.Schema) bool {
	blocked := false
	_ = openapi3.NewSchemaRef("", s).WalkSubtree(func(_ string, ref *openapi3.SchemaRef) error {
		if v := ref.Value; v != nil && (v.Nullable || uses2020Keyword(v)) {
			blocked = true
		}
		return nil
	})
	if blocked {
		return false
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return false
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return false
	}
	if strings.Contains(string(raw), `"#/components/schemas/`) {
		return false // kin-openapi inlines those into $defs; the compile might succeed
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(legacySchemaURL, doc); err != nil {
		return true
	}
	_, err = c.Compile(legacySchemaURL)
	return err != nil
}

// uses2020Keyword is kin-openapi's schemaHasJSONSchema2020FallbackGuardKeyword:
// the keywords for which it does not fall back to the 3.0 validator.
func uses2020Keyword(s *openapi3.Schema) bool {
	return s.Const != nil ||
		len(s.PrefixItems) != 0 || s.Contains != nil ||
		len(s.PatternProperties) != 0 ||
		len(s.DependentSchemas) != 0 || s.PropertyNames != nil ||
		s.UnevaluatedItems.Has != nil || s.UnevaluatedItems.Schema != nil ||
		s.UnevaluatedProperties.Has != nil || s.UnevaluatedProperties.Schema != nil ||
		s.If != nil || s.Then != nil || s.Else != nil ||
		len(s.DependentRequired) != 0 || len(s.Defs) != 0 ||
		s.ContentSchema != nil
}

// bodyReusable: *openapi3.Operation -> bool (see bodyValueReusable).
var bodyReusable sync.Map

// bodyValueReusable reports whether the body value kin-openapi validates for
// r on route is exactly json.Decoder's UseNumber decode of the body: the
// route is a relabelled one (validated by kin-openapi's 3.0 validator, which
// changes the value it visits only to fill in defaults), no schema of its
// request body has a default, and r's media type is application/json (so
// kin-openapi decodes it with its JSON decoder: json.Decoder, UseNumber).
func bodyValueReusable(route *routers.Route, r *http.Request) bool {
	if route.Spec == nil || route.Spec.IsOpenAPI31OrLater() {
		return false // not relabelled: the 2020 validator may be used
	}
	mt, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	if !strings.EqualFold(strings.TrimSpace(mt), "application/json") {
		return false
	}
	if v, ok := bodyReusable.Load(route.Operation); ok {
		return v.(bool)
	}
	ok := route.Operation.RequestBody != nil && route.Operation.RequestBody.Value != nil
	if ok {
		for _, c := range route.Operation.RequestBody.Value.Content {
			if c == nil || c.Schema == nil {
				continue
			}
			_ = c.Schema.WalkSubtree(func(_ string, ref *openapi3.SchemaRef) error {
				if ref.Value == nil || ref.Value.Default != nil {
					ok = false
				}
				return nil
			})
		}
	}
	bodyReusable.Store(route.Operation, ok)
	return ok
}
